"""Demo data of this app: a calendar per trainer / provider and per venue, and one external
calendar with a few busy times (as if read from its feed) for the calendar pages to show."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from schedules.models import Venue

from .models import BusyBlock, Calendar, CalendarKind
from .services import calendar_for_staff, calendar_for_venue


def seed(*, stdout=None) -> dict[str, int]:
    User = get_user_model()
    staff = User.objects.filter(schedules_trained__isnull=False).distinct()
    providers = User.objects.filter(timeslots__isnull=False).distinct()
    made = {u.pk: calendar_for_staff(u) for u in [*staff, *providers]}
    for venue in Venue.objects.all():
        calendar_for_venue(venue)
    owner = next(iter(made.values()), None)
    external = Calendar.objects.create(
        kind=CalendarKind.ICS,
        name="Team holidays (example feed)",
        url="https://calendar.example.test/holidays.ics",
        owner=owner.owner if owner else None,
        next_sync_at=timezone.now() + datetime.timedelta(days=3650),  # never read in the demo
    )
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    BusyBlock.objects.bulk_create(
        BusyBlock(
            calendar=external,
            starts_at=start + datetime.timedelta(days=d),
            ends_at=start + datetime.timedelta(days=d, hours=8),
            summary="Away",
            uid=f"demo-{d}@example.test",
        )
        for d in (3, 10, 17)
    )
    if stdout is not None:
        stdout.write(f"Calendars: {Calendar.objects.count()}.\n")
    return {"calendars": Calendar.objects.count()}
