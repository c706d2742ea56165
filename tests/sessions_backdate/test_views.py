"""The backdating pages: the seed's labels, who sees what, constant query counts, the booking
and attendance posts (one-time), and refusals by direct POST."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appointments.models import Pack
from appointments.states import AttendanceStatus
from sessions_backdate.models import OrderSession
from sessions_backdate.services import session_book

from .factories import ContactFactory, consultant_slot, occurrence_on, order, staff_member

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
D = datetime.date
NOW = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture
def world(admin_user):
    with time_machine.travel(datetime.datetime(2026, 8, 3, 8, 0, tzinfo=LONDON), tick=False):
        consultant = staff_member("Maya")
        slot = consultant_slot(admin_user, staff=consultant)
        other = consultant_slot(
            admin_user, staff=staff_member("Tom"), service=slot.appointment_type
        )
    client = ContactFactory(first_name="Ann", last_name="Lee")
    pack = order(service=slot.appointment_type, client=client, size=3)
    with time_machine.travel(NOW, tick=False):
        yield {"slot": slot, "other": other, "pack": pack, "consultant": consultant}


def token(response) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


def test_menu_shows_unused_sessions_under_sales(client, admin_user, provider, finance_user):
    for user, sees in ((admin_user, True), (provider, True), (finance_user, False)):
        client.force_login(user)
        html = client.get(reverse("my_account")).content.decode()
        assert ('class="nav-heading">Sales<' in html) is sees
        assert ("Unused Sessions" in html) is sees


def test_unused_sessions_lists_orders_oldest_first_and_searches(
    client, team_leader, world, django_assert_max_num_queries
):
    newer = order(service=world["slot"].appointment_type, client=ContactFactory(last_name="Zed"))
    full = order(service=world["slot"].appointment_type, size=1)
    Pack.objects.filter(pk=full.pk).update(used=1)
    for _ in range(30):
        order(service=world["slot"].appointment_type)
    client.force_login(team_leader)
    url = reverse("sessions_backdate:unused")
    client.get(url)  # warm the per-process caches (content types, permissions)
    with django_assert_max_num_queries(6):
        page = client.get(url)
    html = page.content.decode()
    assert "<h1>Unused Sessions</h1>" in html and "View Unused Sessions" in html
    assert html.index(world["pack"].reference) < html.index(newer.reference)
    assert full.reference not in html
    assert "Page 1" in html and "Next" in html
    found = client.get(url, {"q": "ann lee"}).content.decode()
    assert world["pack"].reference in found and newer.reference not in found
    found = client.get(url, {"q": newer.reference}).content.decode()
    assert newer.reference in found and world["pack"].reference not in found
    partial = client.get(url, {"q": "zed"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in partial and newer.reference in partial


def test_order_page_lists_sessions_unallocated_or_booked(
    client, team_leader, world, django_assert_max_num_queries
):
    session_book(
        actor=team_leader, pack=world["pack"], number=2,
        occurrence=occurrence_on(world["slot"], D(2026, 12, 7)),
    )  # fmt: skip
    client.force_login(team_leader)
    url = reverse("sessions_backdate:order", args=[world["pack"].pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert f"All Sessions for {world['pack'].reference}" in html
    assert html.count(">Unallocated<") == 2 and html.count(">Book Session<") == 2
    assert "Mon 7 Dec 2026" in html and "10:00–11:00" in html and "Maya" in html
    assert "Confirm Attendance" in html


def test_show_available_timeslots_and_book_then_confirm_attendance(
    client, team_leader, world, django_assert_max_num_queries
):
    pack = world["pack"]
    client.force_login(team_leader)
    url = reverse("sessions_backdate:book", args=[pack.pk, 1])
    page = client.get(url).content.decode()
    for label in ("Consultant", "Dates", "Show Available Timeslots"):
        assert label in page
    query = {"consultant": world["consultant"].pk, "week": "2026-12-07"}
    client.get(url, query, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(8):
        partial = client.get(url, query, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "Confirm Booking Times" in html and "<h1>" not in html
    assert html.count('type="radio" name="occurrence"') == 7  # Mon 7 .. Sun 13 Dec
    chosen = occurrence_on(world["slot"], D(2026, 12, 8))
    form = {**query, "occurrence": chosen.pk, "form_token": token(partial)}
    response = client.post(url, form)
    session = OrderSession.objects.get()
    attend = reverse("sessions_backdate:attendance", args=[session.pk])
    assert response.status_code == 302
    assert response["Location"] == attend
    again = client.post(url, form)  # the same form again: one booking
    assert again.status_code == 302 and OrderSession.objects.count() == 1
    page = client.get(attend)
    html = page.content.decode()
    assert "Confirm Attendance" in html and "Tuesday 8 December 2026" in html
    for label in ("Actions", "Pending", "Attended", "Absent", "Cancelled", "Confirm Booking Times"):
        assert label in html
    response = client.post(
        attend, {"attendance": "attended", "step": "confirm", "form_token": token(page)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions_backdate:order", args=[pack.pk])
    session.refresh_from_db()
    assert session.attendance == AttendanceStatus.ATTENDED
    listing = client.get(response["Location"]).content.decode()
    assert "Attended" in listing and "Tue 8 Dec 2026" in listing
    assert "Confirm Attendance" not in listing  # final: nothing more to change


def test_provider_sees_only_themselves_and_cannot_post_into_another_consultant(client, world):
    consultant = world["consultant"]
    client.force_login(consultant)
    url = reverse("sessions_backdate:book", args=[world["pack"].pk, 1])
    page = client.get(url)
    html = page.content.decode()
    assert "Tom" not in html and "Maya" in html
    theirs = occurrence_on(world["other"], D(2026, 12, 8))
    response = client.post(
        url,
        {"consultant": consultant.pk, "week": "2026-12-07", "occurrence": theirs.pk,
         "form_token": token(client.get(url, {"consultant": consultant.pk, "week": "2026-12-07"}))},
    )  # fmt: skip
    assert response.status_code == 403
    assert not OrderSession.objects.exists()
    own = occurrence_on(world["slot"], D(2026, 12, 8))
    shown = client.get(url, {"consultant": consultant.pk, "week": "2026-12-07"})
    response = client.post(
        url,
        {"consultant": consultant.pk, "week": "2026-12-07", "occurrence": own.pk,
         "form_token": token(shown)},
    )  # fmt: skip
    assert response.status_code == 302 and OrderSession.objects.count() == 1
    # the consultant's home page tells them
    home = client.get(reverse("schedules:list")).content.decode()
    assert "Sessions added to your past timeslots" in home and world["pack"].reference in home


def test_provider_is_not_offered_cancel_and_finance_is_refused(client, world, finance_user):
    session = session_book(
        actor=world["consultant"], pack=world["pack"], number=1,
        occurrence=occurrence_on(world["slot"], D(2026, 12, 7)),
    )  # fmt: skip
    client.force_login(world["consultant"])
    html = client.get(reverse("sessions_backdate:attendance", args=[session.pk])).content.decode()
    assert 'value="cancelled"' not in html
    client.force_login(finance_user)
    for url in (
        reverse("sessions_backdate:unused"),
        reverse("sessions_backdate:order", args=[world["pack"].pk]),
        reverse("sessions_backdate:book", args=[world["pack"].pk, 2]),
        reverse("sessions_backdate:attendance", args=[session.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"attendance": "cancelled"}).status_code == 403


def test_team_leader_cancels_without_penalty_from_the_page(client, team_leader, world):
    session = session_book(
        actor=team_leader, pack=world["pack"], number=1,
        occurrence=occurrence_on(world["slot"], D(2026, 12, 7)),
    )  # fmt: skip
    client.force_login(team_leader)
    url = reverse("sessions_backdate:attendance", args=[session.pk])
    page = client.get(url)
    refused = client.post(
        url, {"attendance": "cancelled", "step": "confirm", "form_token": token(page)}
    )
    assert "Choose with or without penalty." in refused.content.decode()
    response = client.post(
        url,
        {"attendance": "cancelled", "penalty": "without", "reason": "booked by mistake",
         "step": "confirm", "form_token": token(page)},
    )  # fmt: skip
    assert response.status_code == 302
    assert not OrderSession.objects.exists()
    listing = client.get(response["Location"]).content.decode()
    assert listing.count(">Unallocated<") == 3
    assert "cancelled without penalty" in listing and "booked by mistake" in listing  # history


def test_provider_cannot_open_or_mark_another_consultants_session(client, admin_user, world):
    theirs = session_book(
        actor=admin_user, pack=world["pack"], number=1,
        occurrence=occurrence_on(world["other"], D(2026, 12, 7)),
    )  # fmt: skip
    client.force_login(world["consultant"])
    listing = client.get(reverse("sessions_backdate:order", args=[world["pack"].pk]))
    assert "Confirm Attendance" not in listing.content.decode()
    url = reverse("sessions_backdate:attendance", args=[theirs.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"attendance": "attended", "step": "confirm"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.attendance == AttendanceStatus.PENDING
