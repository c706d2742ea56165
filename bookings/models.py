"""Bookings: who is booked on which schedule, at what price, in which state.

A Booking is what an admin books in one go (one student, or an organisation's delegates, or a
placeholder block of places); a BookingPlace is one delegate's seat on one schedule, with its
own state and attendance per timetable session. Only `bookings.services` writes these rows.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from contacts.models import Contact, Organisation
from core.references import prefixed_reference
from schedules.models import Schedule, TimetableSession

from .states import (  # noqa: F401  (the names other modules import from here)
    ACTIVE_STATUSES,
    ATTENDANCE_STATES,
    BOOKING_STATES,
    BOOKING_TYPE_SHORT,
    PLACE_STATES,
    AttendanceStatus,
    BookingStatus,
    BookingType,
    DiscountKind,
    PlaceState,
    booking_refusal,
)


def _reference_sql() -> models.Expression:
    return prefixed_reference("BK")


class Booking(models.Model):
    # "BK000123": computed by the database from the primary key as the row is inserted
    # (a stored generated column, returned by the INSERT), so a new booking needs no second
    # statement to write its reference.
    reference = models.GeneratedField(
        expression=_reference_sql(),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        unique=True,
    )
    kind = models.CharField("Booking Type", max_length=12, choices=BookingType.choices)
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="bookings")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    lead_booker = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="led_bookings"
    )
    # Who the booking is for: the student (individual) or the lead booker (group/placeholder).
    # Kept so lists, the portal and emails need no join through the places.
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="bookings_made", null=True, blank=True
    )
    po_number = models.CharField("Purchase order number", max_length=60, blank=True)
    notes = models.TextField(blank=True)

    # Price snapshot at booking time (net per delegate) and its VAT rate.
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    discount_kind = models.CharField(
        max_length=8, choices=DiscountKind.choices, blank=True, default=DiscountKind.NONE
    )
    discount_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    discount_reason = models.CharField(max_length=200, blank=True)

    # Placeholder bookings: places bought; delegates are assigned to them later.
    places_bought = models.PositiveIntegerField(default=0)

    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The hidden token of the "Create a new booking" form hashed with what was submitted
    # (services.create.submission_key): a second submit of the same choices finds this booking.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    # Not a column: True on the booking `booking_create` answers a repeated submit with.
    replayed = False

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bookings list's order (newest first), alone and after each filter.
            models.Index(fields=["-created_at", "-id"], name="booking_recent"),
            models.Index(fields=["status", "-created_at"], name="booking_status_recent"),
            models.Index(fields=["organisation", "-created_at"], name="booking_org_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_value__gte=0), name="booking_discount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="group")
                | Q(organisation__isnull=False, lead_booker__isnull=False),
                name="group_booking_has_org_and_lead",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_group(self) -> bool:
        return self.kind == BookingType.GROUP

    @property
    def is_placeholder(self) -> bool:
        return self.kind == BookingType.PLACEHOLDER

    @property
    def kind_short(self) -> str:
        return BOOKING_TYPE_SHORT.get(self.kind, self.kind)

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_kind) and self.discount_value > 0

    @property
    def discount_display(self) -> str:
        if not self.has_discount:
            return ""
        if self.discount_kind == DiscountKind.PERCENT:
            return f"{self.discount_value.normalize():f} %"
        return f"£{self.discount_value:,}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def transition_refusal(self, to: str, now=None) -> str:
        """Why this booking cannot move to status `to` now ("" when it can)."""
        return booking_refusal(
            status=self.status,
            to=to,
            schedule_code=self.schedule.code,
            starts_at=self.schedule.start_at,
            now=now,
        )

    def status_badge(self) -> str:
        return BOOKING_STATES.badge(self.status)


class BookingPlace(models.Model):
    """One delegate's seat. The schedule is the place's own so a transfer can move it."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="places")
    # Null only for an unassigned placeholder place.
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="places",
        db_index=False,  # the (contact, booking) index below serves it, index-only
    )
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="places")
    state = models.CharField(max_length=12, choices=PlaceState.choices, default=PlaceState.BOOKED)
    # Net price of this place after the booking discount: what its invoice line bills.
    unit_net = models.DecimalField(max_digits=12, decimal_places=2)
    transferred_to = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_from",
    )
    cancel_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["schedule", "state"], name="place_schedule_state"),
            models.Index(fields=["contact", "booking"], name="place_contact_booking"),
        ]
        constraints = [
            # A person holds at most one live seat per schedule (no duplicate delegates).
            models.UniqueConstraint(
                fields=["schedule", "contact"],
                condition=Q(state="booked"),
                name="uniq_booked_delegate_per_schedule",
            ),
            models.CheckConstraint(condition=Q(unit_net__gte=0), name="place_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.booking} · {self.contact or 'unassigned'}"

    @property
    def is_booked(self) -> bool:
        return self.state == PlaceState.BOOKED

    @property
    def is_cancelled(self) -> bool:
        return self.state == PlaceState.CANCELLED

    def state_badge(self) -> str:
        return PLACE_STATES.badge(self.state)


class Attendance(models.Model):
    """A delegate's attendance at one timetable session: the attendance register's cells."""

    place = models.ForeignKey(BookingPlace, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(
        TimetableSession, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(
        max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PENDING
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "place_id"]
        constraints = [
            models.UniqueConstraint(fields=["place", "session"], name="uniq_attendance"),
        ]
        indexes = [models.Index(fields=["session", "status"], name="attendance_session_status")]

    def __str__(self) -> str:
        return f"{self.place} @ {self.session}: {self.get_status_display()}"
