"""Upcoming bookings report: booked places on schedules not started yet."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from bookings.models import BookingType
from bookings.services import booking_create
from tests.bookings.factories import (
    ContactFactory,
    ScheduleFactory,
    organisation_with_members,
)
from tests.schedules.factories import VenueFactory

from .conftest import NOW, at, build_ledger

pytestmark = pytest.mark.django_db

URL = reverse("reports:upcoming")
CSV_URL = reverse("reports:upcoming_csv")


def rows_of(response) -> list[tuple]:
    return [
        (p.schedule.code, p.contact.full_name if p.contact_id else None, p.booking.reference)
        for p in response.context["page"]
    ]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_booked_places_of_upcoming_schedules_by_start(admin_client, ledger, now):
    response = admin_client.get(URL)
    assert response.status_code == 200
    d1, d2, _cancelled = ledger.delegates
    acme, ben = ledger.acme_booking.reference, ledger.ben_booking.reference
    # the past schedule's booking and the cancelled delegate are not listed
    assert rows_of(response) == [
        (ledger.sa.code, d1.full_name, acme),
        (ledger.sa.code, d2.full_name, acme),
        (ledger.sb.code, ledger.ben.full_name, ben),
    ]
    html = response.content.decode()
    assert f'href="/bookings/{ledger.acme_booking.pk}/"' in html
    assert "Acme Training Ltd" in html and "First Aid at Work" in html
    assert "2 booked of 10, 8 places left" in html
    assert ledger.past.code not in html


def test_a_booking_made_now_appears_and_a_started_schedule_drops_out(admin_client, admin_user):
    """SPEC 4: the back-office booking is reflected in the upcoming bookings report."""
    schedule = ScheduleFactory(start_at=at(2025, 4, 20, 9), end_at=at(2025, 4, 20, 17))
    student = ContactFactory(first_name="Cara", last_name="Cole")
    with time_machine.travel(NOW, tick=False):
        booking = booking_create(
            actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=student
        )
        assert rows_of(admin_client.get(URL)) == [(schedule.code, "Cara Cole", booking.reference)]
    with time_machine.travel(at(2025, 4, 20, 9, 30), tick=False):  # the course has started
        assert rows_of(admin_client.get(URL)) == []


def test_filters(admin_client, ledger, now, provider):
    venue = VenueFactory(name="Leeds Centre")
    ledger.sb.venue = venue
    ledger.sb.trainer = provider
    ledger.sb.save(update_fields=["venue", "trainer"])
    ben = [(ledger.sb.code, ledger.ben.full_name, ledger.ben_booking.reference)]

    assert rows_of(admin_client.get(URL, {"course": ledger.course_b.pk})) == ben
    assert rows_of(admin_client.get(URL, {"venue": venue.pk})) == ben
    assert rows_of(admin_client.get(URL, {"trainer": provider.pk})) == ben
    assert rows_of(admin_client.get(URL, {"starts_from": "2025-04-20"})) == ben
    assert len(rows_of(admin_client.get(URL, {"starts_to": "2025-04-15"}))) == 2
    assert rows_of(admin_client.get(URL, {"starts_to": "2025-04-14"})) == []
    acme = rows_of(admin_client.get(URL, {"organisation": "acme train"}))
    assert {r[2] for r in acme} == {ledger.acme_booking.reference} and len(acme) == 2


def test_paging_without_count(admin_client, admin_user):
    schedule = ScheduleFactory(capacity=60, start_at=at(2025, 5, 2, 9), end_at=at(2025, 5, 2, 17))
    with time_machine.travel(NOW, tick=False):
        org, people = organisation_with_members(56)
        booking_create(
            actor=admin_user,
            kind=BookingType.GROUP,
            schedule=schedule,
            organisation=org,
            lead_booker=people[0],
            delegates=people[1:],
        )
        first = admin_client.get(URL)
        page = first.context["page"]
        assert len(page) == 50 and page.has_next() and page.paginator is None
        second = admin_client.get(URL, {"page": "2"})
        assert len(second.context["page"]) == 5 and not second.context["page"].has_next()
        assert "page=2" in first.content.decode()
        for bad in ("-1", "abc", "99999999999999999999"):
            assert admin_client.get(URL, {"page": bad}).status_code == 200


def test_no_count_query_and_constant_queries(
    admin_client, admin_user, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False):
        build_ledger(admin_user)
        with django_assert_max_num_queries(12) as captured:
            admin_client.get(URL)
        queries = len(captured)
        assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    for _ in range(3):
        build_ledger(admin_user)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(queries):
            response = admin_client.get(URL)
        assert len(response.context["page"]) == 3 * 4
        with django_assert_max_num_queries(queries):
            admin_client.get(URL, {"organisation": "acme"}, HTTP_HX_REQUEST="true")


def test_htmx_request_gets_the_results_partial(admin_client, ledger, now):
    response = admin_client.get(URL, {"course": ledger.course_a.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and ledger.sa.code in html and ledger.sb.code not in html
    assert "HX-Request" in response["Vary"]
    full = admin_client.get(URL, {"course": ledger.course_a.pk}).content.decode()
    assert "<html" in full and 'hx-push-url="true"' in full


@pytest.mark.parametrize(
    "params",
    [
        {"starts_from": "31-31-2020"},
        {"course": "abc"},
        {"venue": "99999999999999999999"},
        {"trainer": "-5"},
        {"starts_to": "9999-12-31", "page": "-1"},
        {"starts_from": "0001-01-01"},
        {"starts_from": "2025-06-01", "starts_to": "2025-05-01"},
    ],
)
def test_bad_filters_get_a_message_not_a_500(admin_client, now, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    assert "Please correct the filters." in response.content.decode()
    assert response.context["page"].object_list == []
    export = admin_client.get(CSV_URL, params)
    assert export.status_code == 400
    assert "Please correct the filters." in export.content.decode()


def test_csv_export(admin_client, ledger, now):
    rows = csv_rows(admin_client.get(CSV_URL))
    d1, d2, _ = ledger.delegates
    acme, ben = ledger.acme_booking.reference, ledger.ben_booking.reference
    assert rows == [
        [
            "Schedule ID",
            "Course",
            "Start",
            "Venue",
            "Trainer",
            "Delegate",
            "Organisation",
            "Booking reference",
            "Booking status",
            "Places left",
        ],
        [ledger.sa.code, "First Aid at Work", "2025-04-15 09:00", "", "", d1.full_name,
         "Acme Training Ltd", acme, "Confirmed", "8"],
        [ledger.sa.code, "First Aid at Work", "2025-04-15 09:00", "", "", d2.full_name,
         "Acme Training Ltd", acme, "Confirmed", "8"],
        [ledger.sb.code, "Manual Handling", "2025-05-01 09:00", "", "", "Ben Baker", "", ben,
         "Confirmed", "9"],
    ]  # fmt: skip
    only_b = csv_rows(admin_client.get(CSV_URL, {"course": ledger.course_b.pk}))
    assert [r[0] for r in only_b[1:]] == [ledger.sb.code]


def test_csv_cells_that_look_like_formulas_are_quoted(admin_client, admin_user):
    schedule = ScheduleFactory(start_at=at(2025, 4, 20, 9), end_at=at(2025, 4, 20, 17))
    student = ContactFactory(
        first_name="=HYPERLINK(1)", last_name="Smith", email="formula@example.test"
    )
    with time_machine.travel(NOW, tick=False):
        booking_create(
            actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=student
        )
        rows = csv_rows(admin_client.get(CSV_URL))
    assert rows[1][5] == "'=HYPERLINK(1) Smith"
