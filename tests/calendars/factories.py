"""Factories for the calendars tests."""

import factory

from calendars.crypto import encrypt
from calendars.models import Calendar, CalendarKind

from .conftest import PASSWORD, USER


class ExternalCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar

    kind = CalendarKind.ICS
    name = factory.Sequence(lambda n: f"External {n}")
    url = "https://calendar.example.test/feed.ics"


def push_calendar(radicale, *, owner=None, venue=None) -> Calendar:
    """A staff (or venue) calendar pushing to a fresh collection on the Radicale server."""
    kind = CalendarKind.STAFF if owner is not None else CalendarKind.VENUE
    return Calendar.objects.create(
        kind=kind,
        name=str(owner or venue),
        owner=owner,
        venue=venue,
        url=radicale.new_collection(),
        username=USER,
        password_encrypted=encrypt(PASSWORD),
    )
