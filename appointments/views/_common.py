"""Shared by the appointments pages: who sees which timeslots, and the booking or a 404."""

import datetime

from django.http import Http404

from core.access import has

from ..models import AppointmentBooking
from ..recurrence import local_today
from ..selectors import page as page_selectors


def own_only(user) -> bool:
    """A provider (SPEC 1: "see own timetable") sees their own timeslots only; whoever manages
    appointments, or reads them for finance, sees everyone's."""
    return has(user, "edit_own_timeslots") and not has(user, "manage_appointments")


def booking_or_404(user, pk: int) -> AppointmentBooking:
    try:
        booking = page_selectors.booking_detail(pk)
    except AppointmentBooking.DoesNotExist:
        raise Http404("No such appointment booking") from None
    if own_only(user) and booking.timeslot.staff_id != user.pk:
        raise Http404("No such appointment booking")
    return booking


def day_or_today(value) -> datetime.date:
    """A date from a query string (ISO), or today when missing or not a sensible date."""
    try:
        day = datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return local_today()
    return day if datetime.date(1900, 1, 1) <= day <= datetime.date(2999, 12, 31) else local_today()
