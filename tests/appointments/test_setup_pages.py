"""The setup pages: Appointment types, Pricing schedules, Timeslots; the Provider rules
through the pages and by direct POST."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appointments.models import AppointmentType, Occurrence, PricingSchedule, Timeslot
from appointments.services import appointment_book
from appointments.states import BookingFrequency, PricingBasis
from tests.actions import submit

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    PricingScheduleFactory,
    staff_member,
    timeslot,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name, *args):
    return reverse(f"appointments:{name}", args=args)


# --- Appointment types and Pricing schedules (Admins) -----------------------------------------


def test_an_admin_adds_a_pricing_schedule_and_an_appointment_type(admin_client):
    response = submit(
        admin_client,
        url("setup_pricing_create"),
        {"name": "Ten lessons", "basis": PricingBasis.PER_PACKAGE, "amount": "250.00",
         "lessons": "", "vat_percent": "20"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter how many lessons the package has." in response.content.decode()
    response = submit(
        admin_client,
        url("setup_pricing_create"),
        {"name": "Ten lessons", "basis": PricingBasis.PER_PACKAGE, "amount": "250.00",
         "lessons": "10", "vat_percent": "20"},
    )  # fmt: skip
    assert response.status_code == 302
    package = PricingSchedule.objects.get(name="Ten lessons")
    assert package.amount == Decimal("250.00") and package.lessons == 10
    assert package.vat_rate == Decimal("0.2000")
    response = submit(
        admin_client,
        url("setup_type_create"),
        {"name": "Group guitar class", "duration_minutes": "60", "capacity": "6",
         "attendees": "1", "pricing_schedule": str(package.pk)},
    )  # fmt: skip
    assert response.status_code == 302
    guitar = AppointmentType.objects.get(name="Group guitar class")
    assert guitar.capacity == 6 and guitar.pricing_schedule == package
    page = admin_client.get(url("setup_types")).content.decode()
    assert "Group guitar class" in page and "Ten lessons" in page


def test_a_duplicate_type_name_is_a_form_error_not_a_500(admin_client):
    AppointmentTypeFactory(name="Private piano lesson")
    response = submit(
        admin_client,
        url("setup_type_create"),
        {"name": "private piano  lesson", "duration_minutes": "30", "capacity": "1",
         "attendees": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Another appointment type already has this name." in response.content.decode()


def test_archive_a_type_and_deactivate_a_pricing_schedule(admin_client):
    kind = AppointmentTypeFactory(name="Drum lesson")
    response = submit(admin_client, url("setup_type_archive", kind.pk), {"reason": "No drummer"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert not kind.active
    rate = PricingScheduleFactory(name="Old rate")
    submit(admin_client, url("setup_pricing_active", rate.pk), {"reason": ""})
    rate.refresh_from_db()
    assert not rate.active
    submit(admin_client, url("setup_pricing_active", rate.pk), {"reason": ""})
    rate.refresh_from_db()
    assert rate.active


def test_only_admins_set_up_types_and_pricing(client, provider, team_leader):
    rate = PricingScheduleFactory()
    for user in (provider, team_leader):
        client.force_login(user)
        for name, args in [
            ("setup_types", ()), ("setup_type_create", ()), ("setup_pricing", ()),
            ("setup_pricing_edit", (rate.pk,)), ("setup_timeslot_create", ()),
        ]:  # fmt: skip
            assert client.get(url(name, *args)).status_code == 403
            assert client.post(url(name, *args), {"name": "x"}).status_code == 403


# --- Timeslots --------------------------------------------------------------------------------


def test_an_admin_adds_a_weekly_timeslot(admin_client):
    kind = AppointmentTypeFactory(name="Private piano lesson", duration_minutes=30)
    teacher = staff_member("Elena")
    page = admin_client.get(url("setup_timeslots")).content.decode()
    assert "Add timeslot" in page
    form = admin_client.get(url("setup_timeslot_create")).content.decode()
    for label in ("Frequency", "One Time", "Days of the week", "Start Date", "End Date", "Staff"):
        assert label in form
    response = submit(
        admin_client,
        url("setup_timeslot_create"),
        {"appointment_type": kind.pk, "staff": teacher.pk, "frequency": "weekly",
         "weekdays": ["1", "3"], "start_date": "2027-01-05", "end_date": "",
         "start_time": "16:00", "end_time": "", "capacity": "", "pricing_schedule": "",
         "location": "Studio 1"},
    )  # fmt: skip
    assert response.status_code == 302
    slot = Timeslot.objects.get()
    assert slot.weekdays == "13" and slot.end_time == datetime.time(16, 30)
    assert slot.capacity == 1 and slot.location == "Studio 1"
    assert Occurrence.objects.filter(timeslot=slot).count() > 100


def test_bad_timeslot_input_is_a_form_error(admin_client):
    kind = AppointmentTypeFactory()
    response = submit(
        admin_client,
        url("setup_timeslot_create"),
        {"appointment_type": kind.pk, "staff": staff_member().pk, "frequency": "weekly",
         "weekdays": [], "start_date": "2027-01-05", "start_time": "16:00",
         "end_time": "15:00"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the days of the week" in page and "end time must be after" in page
    assert not Timeslot.objects.exists()


def test_a_provider_sees_and_edits_their_own_timeslots_but_cannot_add(client, admin_user, provider):
    mine = timeslot(admin_user, staff=provider)
    theirs = timeslot(admin_user, staff=staff_member("Other"))
    client.force_login(provider)
    page = client.get(url("setup_timeslots")).content.decode()
    assert "Add timeslot" not in page
    assert url("setup_timeslot_edit", mine.pk) in page
    assert url("setup_timeslot_delete", mine.pk) in page
    assert url("setup_timeslot_edit", theirs.pk) not in page  # not even listed
    form = client.get(url("setup_timeslot_edit", mine.pk)).content.decode()
    assert 'name="staff"' not in form  # a Provider does not hand it to someone else
    response = submit(
        client,
        url("setup_timeslot_edit", mine.pk),
        {"weekdays": ["0"], "start_date": "2027-01-04", "end_date": "", "start_time": "17:00",
         "end_time": "17:30", "capacity": "2", "pricing_schedule": "", "location": "",
         "staff": str(theirs.staff_id), "reason": "New hours"},
    )  # fmt: skip
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.start_time == datetime.time(17, 0) and mine.capacity == 2
    assert mine.staff == provider  # the posted staff was ignored


def test_a_provider_cannot_edit_delete_or_add_by_direct_post(client, admin_user, provider):
    theirs = timeslot(admin_user, staff=staff_member("Other"))
    client.force_login(provider)
    data = {"weekdays": ["0"], "start_date": "2027-01-04", "start_time": "18:00",
            "end_time": "18:30", "capacity": "5", "form_token": "x"}  # fmt: skip
    assert client.get(url("setup_timeslot_edit", theirs.pk)).status_code == 403
    assert client.post(url("setup_timeslot_edit", theirs.pk), data).status_code == 403
    assert client.post(url("setup_timeslot_delete", theirs.pk), {"reason": ""}).status_code == 403
    assert client.post(url("setup_timeslot_create"), data).status_code == 403
    theirs.refresh_from_db()
    assert theirs.capacity == 1 and not theirs.archived
    assert Timeslot.objects.count() == 1


def test_a_team_leader_sees_timeslots_but_cannot_change_them(client, admin_user, team_leader):
    slot = timeslot(admin_user)
    client.force_login(team_leader)
    page = client.get(url("setup_timeslots")).content.decode()
    assert slot.appointment_type.name in page
    assert url("setup_timeslot_edit", slot.pk) not in page
    assert client.get(url("setup_timeslot_edit", slot.pk)).status_code == 403


def test_delete_says_archived_or_deleted_honestly(admin_client, admin_user):
    booked = timeslot(admin_user)
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=booked,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 11),
    )  # fmt: skip
    page = admin_client.get(url("setup_timeslot_delete", booked.pk)).content.decode()
    assert "1 seat is booked on future dates" in page
    response = submit(admin_client, url("setup_timeslot_delete", booked.pk), {"reason": ""})
    assert response.status_code == 200
    assert "Cancel them first" in response.content.decode()
    from appointments.services import appointment_cancel

    appointment_cancel(actor=admin_user, booking=booking, reason="Moved away")
    page = admin_client.get(url("setup_timeslot_delete", booked.pk)).content.decode()
    assert "archived rather than deleted" in page
    response = submit(admin_client, url("setup_timeslot_delete", booked.pk), {"reason": ""})
    assert response.status_code == 302
    assert "Timeslot archived" in admin_client.get(response.url).content.decode()

    never = timeslot(admin_user)
    assert (
        "it is deleted" in admin_client.get(url("setup_timeslot_delete", never.pk)).content.decode()
    )
    response = submit(admin_client, url("setup_timeslot_delete", never.pk), {"reason": ""})
    assert "Timeslot deleted" in admin_client.get(response.url).content.decode()
    assert not Timeslot.objects.filter(pk=never.pk).exists()


def test_an_edit_refused_by_the_rules_is_a_form_error(admin_client, admin_user):
    slot = timeslot(admin_user, capacity=3)
    for _ in range(2):
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot,
            frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 18),
        )  # fmt: skip
    response = submit(
        admin_client,
        url("setup_timeslot_edit", slot.pk),
        {"weekdays": ["0"], "start_date": "2027-01-04", "start_time": "16:00",
         "end_time": "16:30", "capacity": "1", "staff": slot.staff_id},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Capacity can not go below 2" in response.content.decode()


def test_list_pages_have_a_constant_number_of_queries(
    admin_client, admin_user, django_assert_max_num_queries
):
    for n in range(8):
        timeslot(admin_user, appointment_type=AppointmentTypeFactory(), staff=staff_member(f"S{n}"))
    for name in ("setup_timeslots", "setup_types", "setup_pricing"):
        with django_assert_max_num_queries(8):
            assert admin_client.get(url(name)).status_code == 200
