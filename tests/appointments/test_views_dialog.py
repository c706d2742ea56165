"""Booking from the office (seed 002, ways 1 and 2): the Enrollments panel and "New
appointment booking", "Create Appointment Booking" (which student, the date, the timeslots
with openings, "Select"), "Book Appointment" from the Appointments page ("Select Student" or
"Create a New Student"), the booking details (SCHEDULE, Date Selection by HTMX, OTHER), Save,
Save & Charge, one-time, permissions and bad input."""

from decimal import Decimal

import pytest
import time_machine

from appointments.models import AppointmentBooking, PricingSchedule, Seat
from appointments.services import appointment_book
from appointments.states import BookingFrequency
from contacts.models import Contact
from core.models import FormToken
from notifications.models import OutboxMessage
from tests.actions import form_token

from .factories import ContactFactory, FamilyFactory, PricingScheduleFactory, timeslot
from .pages import NOW, D

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
R, NR = BookingFrequency.RECURRING, BookingFrequency.NON_RECURRING


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def slot(admin_user):
    """Mondays and Wednesdays 16:00, from Mon 4 Jan 2027."""
    return timeslot(admin_user, weekdays=(0, 2))


def book_url(slot, **query):
    from urllib.parse import urlencode

    return f"/appointments/book/{slot.pk}/" + (f"?{urlencode(query)}" if query else "")


def details(**extra):
    data = {"frequency": R, "start_date": "2027-01-04", "end_date": "2027-01-20", "action": "save"}
    data.update(extra)
    return data


def post(client, url, data, **extra):
    return client.post(url, {**data, "form_token": form_token(client, url)}, **extra)


# --- way 1: the Enrollments panel and "Create Appointment Booking" --------------------------


def test_family_page_has_the_enrollments_panel(admin_client, admin_user, slot):
    family = FamilyFactory()
    mia = ContactFactory(family=family, first_name="Mia")
    booking = appointment_book(
        actor=admin_user, student=mia, timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2027, 1, 31),
    )  # fmt: skip
    html = admin_client.get(f"/contacts/families/{family.pk}/").content.decode()
    assert "Enrollments" in html and booking.reference in html
    assert "New appointment booking" in html
    assert f'href="/appointments/new/?family={family.pk}"' in html
    assert "Mon 4 Jan 2027" in html  # the next date
    contact_page = admin_client.get(f"/contacts/{mia.pk}/").content.decode()
    assert booking.reference in contact_page
    assert f'href="/appointments/new/?student={mia.pk}"' in contact_page


def test_enrollments_panel_query_count_is_constant(
    admin_client, admin_user, django_assert_max_num_queries
):
    family = FamilyFactory()
    students = [ContactFactory(family=family) for _ in range(2)]
    url = f"/contacts/families/{family.pk}/"
    slots = [timeslot(admin_user, weekdays=(0,)) for _ in range(2)]
    appointment_book(actor=admin_user, student=students[0], timeslot=slots[0],
                     frequency=R, start_date=D(2027, 1, 4))  # fmt: skip
    with django_assert_max_num_queries(30) as few:
        admin_client.get(url)
    for s in range(1, 2):
        appointment_book(actor=admin_user, student=students[s], timeslot=slots[s],
                         frequency=R, start_date=D(2027, 1, 4))  # fmt: skip
    appointment_book(actor=admin_user, student=students[1], timeslot=timeslot(admin_user),
                     frequency=NR, start_date=D(2027, 1, 11))  # fmt: skip
    with django_assert_max_num_queries(30) as many:
        admin_client.get(url)
    assert len(many) == len(few)


def test_finance_sees_enrollments_without_the_button(client, finance_user, admin_user, slot):
    family = FamilyFactory()
    ContactFactory(family=family)
    client.force_login(finance_user)
    html = client.get(f"/contacts/families/{family.pk}/").content.decode()
    assert "Enrollments" in html and "New appointment booking" not in html


def test_a_family_with_two_students_asks_which(admin_client, slot):
    family = FamilyFactory(name="Thompson family")
    mia = ContactFactory(family=family, first_name="Mia", last_name="Thompson")
    ContactFactory(family=family, first_name="Leo", last_name="Thompson")
    html = admin_client.get(f"/appointments/new/?family={family.pk}").content.decode()
    assert "Create Appointment Booking" in html and "Which student?" in html
    assert f"?family={family.pk}&amp;student={mia.pk}" in html
    assert "Select</a>" not in html  # no timeslots before the student is chosen
    chosen = admin_client.get(f"/appointments/new/?family={family.pk}&student={mia.pk}")
    html = chosen.content.decode()
    assert "Mia Thompson" in html and "Select</a>" in html


def test_one_student_is_chosen_and_today_is_the_default(admin_client, slot):
    family = FamilyFactory()
    mia = ContactFactory(family=family)
    html = admin_client.get(f"/appointments/new/?family={family.pk}").content.decode()
    assert "Which student?" not in html
    assert 'value="2027-01-04"' in html  # today, in the date field
    # Mon 4 and Wed 6 Jan: the date and the rest of its week
    assert "Mon 4 Jan 2027" in html and "Wed 6 Jan 2027" in html
    select = f"/appointments/book/{slot.pk}/?family={family.pk}&amp;student={mia.pk}&amp;date="
    assert select + "2027-01-04" in html and select + "2027-01-06" in html


def test_the_date_changes_the_list_by_htmx(admin_client, slot):
    mia = ContactFactory()
    response = admin_client.get(f"/appointments/new/?student={mia.pk}&date=2027-01-07", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="openings"')
    assert "Wed 6 Jan" not in html and "Mon 11 Jan" not in html  # Thu 7 to Sun 10: none
    assert "No appointment timeslots have openings" in html
    html = admin_client.get(f"/appointments/new/?student={mia.pk}&date=2027-01-11").content
    assert b"Mon 11 Jan 2027" in html


def test_full_and_started_occurrences_are_not_offered(admin_client, admin_user):
    private = timeslot(admin_user, weekdays=(0,), start_time=NOW.time().replace(hour=17))
    early = timeslot(admin_user, weekdays=(0,), start_time=NOW.time().replace(hour=8))
    appointment_book(actor=admin_user, student=ContactFactory(), timeslot=private,
                     frequency=NR, start_date=D(2027, 1, 4))  # fmt: skip
    mia = ContactFactory()
    html = admin_client.get(f"/appointments/new/?student={mia.pk}").content.decode()
    assert f"/appointments/book/{private.pk}/" not in html
    assert f"/appointments/book/{early.pk}/" not in html  # 08:00 has started


def test_unknown_family_or_student_is_404(admin_client):
    assert admin_client.get("/appointments/new/?family=987654").status_code == 404
    assert admin_client.get("/appointments/new/?student=987654").status_code == 404
    assert b"then choose" in admin_client.get("/appointments/new/").content
    huge = admin_client.get("/appointments/new/?student=99999999999999999999999")
    assert huge.status_code == 200 and b"then choose" in huge.content
    other = ContactFactory(family=FamilyFactory())
    url = f"/appointments/new/?family={FamilyFactory().pk}&student={other.pk}"
    assert admin_client.get(url).status_code == 404


# --- the booking details ---------------------------------------------------------------------


def test_select_shows_the_details_with_dates_ticked(admin_client, slot):
    mia = ContactFactory()
    html = admin_client.get(book_url(slot, student=mia.pk, date="2027-01-06")).content.decode()
    assert "Create Appointment Booking" in html
    for label in (
        "Frequency",
        "Start Date",
        "End Date",
        "Day of the Week",
        "Date Selection",
        "Override Pricing Schedule",
        "Create a New Pricing Schedule",
        "Notes",
    ):
        assert label in html, label  # fmt: skip
    assert 'name="start_date" value="2027-01-06"' in html
    assert 'value="2027-01-06" checked' in html and 'value="2027-01-11" checked' in html
    assert 'value="2026-12-30"' not in html
    assert "shown up to" in html  # no End Date: 13 months
    assert ">Save</button>" in html and "Save &amp; Charge" in html and ">Close</a>" in html
    # Mon and Wed, the timeslot's days, are the only Day of the Week choices
    assert 'name="weekdays" value="0"' in html and 'name="weekdays" value="2"' in html
    assert 'name="weekdays" value="1"' not in html


def test_date_selection_follows_the_schedule_by_htmx(admin_client, slot):
    mia = ContactFactory()
    query = {"student": mia.pk, "frequency": R, "start_date": "2027-01-04",
             "end_date": "2027-01-20", "weekdays": "2"}  # fmt: skip
    response = admin_client.get(book_url(slot, **query), **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<fieldset id="date-selection"')
    assert 'value="2027-01-06"' in html and 'value="2027-01-20"' in html
    assert 'value="2027-01-04"' not in html and 'value="2027-01-27"' not in html
    query.update(frequency=NR, start_date="2027-01-11")
    html = admin_client.get(book_url(slot, **query), **HX).content.decode()
    assert html.count('name="dates"') == 1 and 'value="2027-01-11"' in html
    query.update(start_date="2027-01-12")  # a Tuesday: not a day of the timeslot
    html = admin_client.get(book_url(slot, **query), **HX).content.decode()
    assert "is not a day of this timeslot" in html


def test_a_full_date_is_shown_disabled(admin_client, admin_user, slot):
    appointment_book(actor=admin_user, student=ContactFactory(), timeslot=slot,
                     frequency=NR, start_date=D(2027, 1, 6))  # fmt: skip
    html = admin_client.get(book_url(slot, student=ContactFactory().pk)).content.decode()
    assert 'value="2027-01-06" disabled' in html and "(full)" in html


def test_save_books_and_opens_the_booking(admin_client, slot):
    mia = ContactFactory(first_name="Mia", last_name="Thompson")
    url = book_url(slot, student=mia.pk)
    response = post(admin_client, book_url(slot), details(
        student=mia.pk, dates=["2027-01-04", "2027-01-11"], weekdays=["0"], notes="Grade 3",
        dates_shown="1",
    ))  # fmt: skip
    booking = AppointmentBooking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/bookings/{booking.pk}/"
    assert [s.occurrence.date for s in booking.seats.select_related("occurrence")] == [
        D(2027, 1, 4), D(2027, 1, 11)
    ]  # fmt: skip
    assert booking.student == mia and booking.notes == "Grade 3"
    page = admin_client.get(response["Location"]).content.decode()
    assert f"Appointment booking {booking.reference} saved for Mia Thompson." in page
    assert url  # the form the browser showed


def test_save_and_charge_redirects_to_the_new_charge(admin_client, slot):
    mia = ContactFactory()
    response = post(admin_client, book_url(slot), details(student=mia.pk, action="charge"))
    booking = AppointmentBooking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/bookings/{booking.pk}/charge/"


def test_non_recurring_sets_end_date_to_start_date(admin_client, slot):
    mia = ContactFactory()
    post(admin_client, book_url(slot), details(
        student=mia.pk, frequency=NR, start_date="2027-01-06", end_date="2027-03-01",
    ))  # fmt: skip
    booking = AppointmentBooking.objects.get()
    assert booking.end_date == booking.start_date == D(2027, 1, 6)
    assert booking.seats.count() == 1


def test_double_submit_makes_one_booking(admin_client, slot):
    mia = ContactFactory()
    url = book_url(slot)
    data = {**details(student=mia.pk), "form_token": form_token(admin_client, url)}
    first = admin_client.post(url, data)
    second = admin_client.post(url, data)
    assert AppointmentBooking.objects.count() == 1
    booking = AppointmentBooking.objects.get()
    assert first["Location"] == second["Location"] == f"/appointments/bookings/{booking.pk}/"
    page = admin_client.get(second["Location"]).content.decode()
    assert "This was already done" in page


def test_override_pricing_and_send_booking_email(admin_client, slot):
    family = FamilyFactory(account_email="thompsons@example.test")
    mia = ContactFactory(family=family)
    override = PricingScheduleFactory(name="Summer rate")
    PricingSchedule.objects.create(name="Someone's own", basis="per_lesson",
                                   amount=Decimal("1.00"), for_booking=True)  # fmt: skip
    html = admin_client.get(book_url(slot, student=mia.pk)).content.decode()
    assert "Summer rate" in html and "Someone&#x27;s own" not in html
    assert "Send Booking Email" in html
    post(admin_client, book_url(slot), details(
        student=mia.pk, pricing_schedule=override.pk, send_email="on"
    ))  # fmt: skip
    booking = AppointmentBooking.objects.get()
    assert booking.pricing_schedule == override
    assert OutboxMessage.objects.get().to == ["thompsons@example.test"]


def test_send_booking_email_is_not_offered_without_an_address(admin_client, slot, settings):
    mia = ContactFactory(email="")
    html = admin_client.get(book_url(slot, student=mia.pk)).content.decode()
    assert "Send Booking Email" not in html
    settings.APPOINTMENT_EMAILS_ENABLED = False
    html = admin_client.get(book_url(slot, student=ContactFactory().pk)).content.decode()
    assert "Send Booking Email" not in html


def test_create_a_new_pricing_schedule_with_the_booking(admin_client, slot):
    mia = ContactFactory()
    post(admin_client, book_url(slot), details(
        student=mia.pk, new_pricing="on", new_name="Ten for Mia", new_basis="per_package",
        new_amount="250.00", new_lessons="10", new_vat_rate="20",
    ))  # fmt: skip
    booking = AppointmentBooking.objects.select_related("pricing_schedule").get()
    schedule = booking.pricing_schedule
    assert schedule.name == "Ten for Mia" and schedule.for_booking
    assert schedule.lessons == 10 and schedule.vat_rate == Decimal("0.2000")
    assert schedule.amount == Decimal("250.00")


def test_a_refused_booking_leaves_no_new_pricing_schedule_or_student(admin_client, admin_user):
    full = timeslot(admin_user, weekdays=(0,))
    appointment_book(actor=admin_user, student=ContactFactory(), timeslot=full,
                     frequency=NR, start_date=D(2027, 1, 11))  # fmt: skip
    schedules, contacts = PricingSchedule.objects.count(), Contact.objects.count()
    response = post(admin_client, book_url(full), details(
        student_mode="new", first_name="Ann", last_name="New",
        new_pricing="on", new_name="Own rate", new_basis="per_lesson", new_amount="10",
        new_vat_rate="0", frequency=NR, start_date="2027-01-11",
    ))  # fmt: skip
    assert response.status_code == 200
    assert "No openings left on Mon 11 Jan 2027" in response.content.decode()
    assert PricingSchedule.objects.count() == schedules
    assert Contact.objects.count() == contacts
    assert AppointmentBooking.objects.count() == 1
    assert not FormToken.objects.exists()  # the token was given back: the form can be fixed


# --- way 2: "Book Appointment" from the Appointments page ----------------------------------


def test_book_from_the_page_asks_for_the_student(admin_client, slot):
    html = admin_client.get(book_url(slot, date="2027-01-11")).content.decode()
    assert "Book Appointment" in html
    assert "Select Student" in html and "Create a New Student" in html
    assert 'name="select_student"' in html  # the contacts picker
    response = post(admin_client, book_url(slot), details())
    assert response.status_code == 200
    assert "Select a student, or create a new one." in response.content.decode()


def test_book_an_existing_student_from_the_page(admin_client, slot):
    mia = ContactFactory()
    post(admin_client, book_url(slot), details(student_mode="existing", select_student=mia.pk))
    assert AppointmentBooking.objects.get().student == mia


def test_create_a_new_student_in_a_family(admin_client, slot):
    family = FamilyFactory(account_email="new.family@example.test")
    response = post(admin_client, book_url(slot), details(
        student_mode="new", first_name="Zoe", last_name="Quinn", email="zoe@example.test",
        mobile="07700 900123", family_email="new.family@example.test",
    ))  # fmt: skip
    assert response.status_code == 302
    booking = AppointmentBooking.objects.select_related("student").get()
    assert booking.student.first_name == "Zoe" and booking.student.family == family
    assert booking.family == family


def test_new_student_needs_names_and_a_known_family(admin_client, slot):
    response = post(admin_client, book_url(slot), details(
        student_mode="new", family_email="nobody@example.test",
    ))  # fmt: skip
    html = response.content.decode()
    assert "Enter the first name." in html and "Enter the last name." in html
    assert "No family has this account email." in html
    assert not AppointmentBooking.objects.exists()


# --- bad input and permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"dates": ["2027-01-05"]}, "is not a date of this timeslot"),
        ({"dates": ["2029-06-04"], "end_date": ""}, "is not a date of this timeslot"),
        ({"dates": ["not-a-date"]}, "One of the dates is not a date."),
        ({"dates": ["10000-01-01"]}, "One of the dates is not a date."),
        ({"start_date": "9999-12-31"}, "Enter a date between the years 1900 and 2999."),
        ({"end_date": "2026-12-01"}, "The End Date is before the Start Date."),
        ({"frequency": "weekly"}, "Select a valid choice"),
        ({"weekdays": ["1"]}, "Select a valid choice"),
        ({"student": "99999999999999999999999"}, "Select a student"),
        ({"pricing_schedule": "987654"}, "That pricing schedule is no longer offered."),
        ({"pricing_schedule": str(2**63)}, "That pricing schedule is no longer offered."),
        ({"new_pricing": "on", "new_name": "X", "new_basis": "per_lesson",
          "new_amount": "9" * 40, "new_vat_rate": "20"}, "Ensure that there are no more than"),
        ({"new_pricing": "on", "new_name": "X", "new_basis": "per_lesson",
          "new_amount": "1e400", "new_vat_rate": "20"}, "Ensure that there are no more than"),
        ({"new_pricing": "on", "new_name": "X", "new_basis": "per_package",
          "new_amount": "5", "new_vat_rate": "20"}, "Enter the number of lessons"),
        ({"new_pricing": "on", "new_name": "X", "new_basis": "per_lesson",
          "new_amount": "5", "new_vat_rate": "250"}, "less than or equal to 100"),
        ({"dates_shown": "1"}, "Tick at least one date."),
        ({"notes": "x" * 20_000}, "Notes can be at most 10,000 characters"),
    ],
)  # fmt: skip
def test_bad_input_is_said_and_nothing_is_written(admin_client, slot, extra, message):
    mia = ContactFactory()
    data = details(student=mia.pk)
    if "student" in extra:  # an unknown fixed student: the page is not found
        response = admin_client.post(book_url(slot), {**data, **extra})
        assert response.status_code in (200, 404)
        assert not AppointmentBooking.objects.exists()
        return
    response = post(admin_client, book_url(slot), {**data, **extra})
    assert response.status_code == 200, response.get("Location")
    assert message in response.content.decode()
    assert not AppointmentBooking.objects.exists()


def test_unknown_or_archived_timeslot_is_404(admin_client, slot):
    assert admin_client.get("/appointments/book/987654/").status_code == 404
    type(slot).objects.filter(pk=slot.pk).update(archived=True)
    assert admin_client.get(book_url(slot)).status_code == 404


def test_provider_cannot_book_even_by_direct_post(client, slot, provider):
    mia = ContactFactory()
    client.force_login(provider)
    assert client.get(book_url(slot, student=mia.pk)).status_code == 403
    assert client.get(f"/appointments/new/?student={mia.pk}").status_code == 403
    response = client.post(book_url(slot), details(student=mia.pk, form_token="x"))
    assert response.status_code == 403
    assert not AppointmentBooking.objects.exists() and not Seat.objects.exists()


def test_book_page_query_count(admin_client, slot, django_assert_max_num_queries):
    mia = ContactFactory()
    with django_assert_max_num_queries(14):
        assert admin_client.get(book_url(slot, student=mia.pk)).status_code == 200


def test_show_available_dates_without_javascript_books_nothing(admin_client, slot):
    mia = ContactFactory()
    response = post(admin_client, book_url(slot), details(
        action="dates", student_mode="existing", select_student=mia.pk, frequency=NR,
        start_date="2027-01-13", end_date="",
    ))  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and not AppointmentBooking.objects.exists()
    assert html.count('name="dates"') == 1 and 'value="2027-01-13" checked' in html
    assert f'name="select_student" value="{mia.pk}"' in html  # the choice is kept
    assert "is required" not in html


def test_dialog_query_count_does_not_grow_with_timeslots(
    admin_client, django_assert_max_num_queries
):
    from .pages import many_timeslots

    mia = ContactFactory()
    url = f"/appointments/new/?student={mia.pk}"
    many_timeslots(3)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    many_timeslots(300)
    with django_assert_max_num_queries(12) as many:
        html = admin_client.get(url).content.decode()
    assert len(many) == len(few)
    assert html.count(">Select</a>") == 50 and "Next page" in html
