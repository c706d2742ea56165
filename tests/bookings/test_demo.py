import pytest
from django.core.management import call_command

from bookings.models import Booking, BookingStatus, BookingType, PlaceState
from invoicing.models import Invoice
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_demo_data_books_individuals_and_groups_through_the_services():
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Booking.objects.filter(kind=BookingType.INDIVIDUAL).count() >= 10
    assert Booking.objects.filter(kind=BookingType.GROUP).count() >= 5
    assert Booking.objects.filter(status=BookingStatus.COMPLETED).exists()
    assert Booking.objects.filter(places__state=PlaceState.CANCELLED).exists()
    assert Invoice.objects.filter(booking__isnull=False).count() >= Booking.objects.count() - 1
    assert OutboxMessage.objects.filter(template_key="booking_delegate_confirmation").exists()
    # the portal logins have bookings to see
    assert Booking.objects.filter(places__contact__user__username="student").exists()
    assert Booking.objects.filter(places__contact__family__user__username="family").exists()
