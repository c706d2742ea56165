"""Calendars pages and the public feed."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.services import booking_create
from calendars.crypto import decrypt
from calendars.models import BusyBlock, Calendar, CalendarKind, CalendarSelection
from calendars.selectors import ticked_calendars
from calendars.services import calendar_for_staff, calendar_for_venue
from tests.appointments.factories import staff_member
from tests.bookings.factories import ContactFactory, ScheduleFactory
from tests.html_forms import page_forms
from tests.schedules.factories import VenueFactory

from .factories import ExternalCalendarFactory

pytestmark = pytest.mark.django_db


def post_page_form(client, page_url, /, **changes):
    """Submit the page's own POST form as a browser would, with some fields changed."""
    html = client.get(page_url).content.decode()
    path = page_url.split("?")[0]
    [form] = [
        f
        for f in page_forms(html, page_url)
        if f.method.lower() == "post" and f.action.split("?")[0].endswith(path)
    ]
    data = form.data()
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(form.action, data)


def test_feed_lists_the_trainers_bookings_and_a_wrong_token_is_404(client, admin_user):
    trainer = staff_member("Tom")
    calendar = calendar_for_staff(trainer)
    schedule = ScheduleFactory(trainer=trainer, venue=VenueFactory(name="Room 4"))
    booking = booking_create(
        actor=admin_user, kind="individual", schedule=schedule, student=ContactFactory()
    )
    other = ScheduleFactory(trainer=staff_member("Ann"))
    booking_create(actor=admin_user, kind="individual", schedule=other, student=ContactFactory())

    response = client.get(calendar.feed_path())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in cal
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.pk}@example.test"
    assert str(event["LOCATION"]) == "Room 4"
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert booking.reference in str(event["SUMMARY"])

    assert client.get(reverse("calendars:feed", args=["x" * 43])).status_code == 404
    assert client.get(reverse("calendars:feed", args=["y" * 80])).status_code == 404


def test_regenerate_link_revokes_the_old_one(admin_client):
    calendar = calendar_for_venue(VenueFactory())
    old = calendar.feed_path()
    assert admin_client.get(old).status_code == 200
    response = post_page_form(admin_client, reverse("calendars:regenerate", args=[calendar.pk]))
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert admin_client.get(old).status_code == 404
    assert admin_client.get(calendar.feed_path()).status_code == 200


def test_external_calendar_feed_is_404(client):
    calendar = ExternalCalendarFactory()
    assert client.get(calendar.feed_path()).status_code == 404


def test_admin_adds_an_external_calendar_with_an_encrypted_password(admin_client):
    response = post_page_form(
        admin_client,
        reverse("calendars:add"),
        kind="caldav",
        name="Tom's diary",
        url="https://dav.example.test/tom/diary/",
        username="tom",
        password="hunter2",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get(name="Tom's diary")
    assert calendar.kind == CalendarKind.CALDAV
    assert "hunter2" not in calendar.password_encrypted
    assert decrypt(calendar.password_encrypted) == "hunter2"
    page = admin_client.get(reverse("calendars:edit", args=[calendar.pk])).content.decode()
    assert "hunter2" not in page and "Stored, encrypted" in page


def test_list_page_query_count(admin_client, django_assert_max_num_queries):
    for _ in range(3):
        calendar_for_staff(staff_member())
        ExternalCalendarFactory()
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("calendars:list"))
    assert response.status_code == 200
    assert "Integrated calendars" in response.content.decode()


def test_only_admins_manage_calendars(client, team_leader):
    client.force_login(team_leader)
    assert client.get(reverse("calendars:list")).status_code == 403
    assert client.get(reverse("calendars:add")).status_code == 403


def test_choose_calendars_keeps_the_ticks(admin_client, admin_user):
    a = calendar_for_venue(VenueFactory(name="Room A"))
    b = calendar_for_venue(VenueFactory(name="Room B"))
    assert {c.pk for c in ticked_calendars(admin_user)} == {a.pk, b.pk}  # never chose: all
    url = reverse("calendars:choose") + "?next=/bookings/"
    response = post_page_form(admin_client, url, calendars=[str(b.pk)])
    assert response.status_code == 302 and response["Location"] == "/bookings/"
    assert [c.pk for c in ticked_calendars(admin_user)] == [b.pk]
    assert CalendarSelection.objects.get(user=admin_user).calendar_ids == [b.pk]


def test_provider_sees_only_their_own_calendars(provider):
    own = calendar_for_staff(provider)
    calendar_for_staff(staff_member())
    ExternalCalendarFactory(owner=provider)
    assert {c.owner_id for c in ticked_calendars(provider)} == {provider.pk}
    assert own in ticked_calendars(provider)


def test_busy_blocks_of_ticked_calendars(admin_user):
    from calendars.selectors import busy_blocks

    cal = ExternalCalendarFactory()
    now = timezone.now()
    BusyBlock.objects.create(
        calendar=cal, starts_at=now, ends_at=now + datetime.timedelta(hours=1), summary="Away"
    )
    assert [
        b.summary
        for b in busy_blocks(ticked_calendars(admin_user), now, now + datetime.timedelta(days=1))
    ] == ["Away"]


def test_booking_filter_of_ticked_calendars(admin_user):
    from bookings.models import Booking
    from calendars.selectors import booking_filter

    tom = staff_member("Tom")
    room = VenueFactory()
    mine = booking_create(
        actor=admin_user,
        kind="individual",
        schedule=ScheduleFactory(trainer=tom),
        student=ContactFactory(),
    )
    there = booking_create(
        actor=admin_user,
        kind="individual",
        schedule=ScheduleFactory(venue=room),
        student=ContactFactory(),
    )
    booking_create(
        actor=admin_user, kind="individual", schedule=ScheduleFactory(), student=ContactFactory()
    )
    ticked = [calendar_for_staff(tom), calendar_for_venue(room)]
    assert set(Booking.objects.filter(booking_filter(ticked))) == {mine, there}
    assert not Booking.objects.filter(booking_filter([])).exists()


def test_a_staff_calendar_does_not_stop_an_unused_login_being_deleted(admin_user):
    from accounts.selectors import user_has_history
    from calendars.services import calendar_choice_set

    invited = staff_member("Newbie")
    calendar_for_staff(invited)
    calendar_choice_set(actor=invited, calendar_ids=[])
    assert not user_has_history(invited)
