"""Skeleton so that invoicing can reference bookings; the bookings issue fills it in."""

from django.db import models


class Booking(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference


class BookingPlace(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="places")

    def __str__(self) -> str:
        return f"{self.booking} place {self.pk}"
