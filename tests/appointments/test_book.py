"""The booking service: the seed's SCHEDULE rules, capacity, punch passes, cancel, and the
series moving with the window."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from appointments.models import AppointmentBooking, Occurrence, Seat
from appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_set_status,
    book,
    occurrences_extend,
)
from appointments.states import BookingFrequency, BookingSource, BookingStatus, Frequency
from core.audit import AuditEvent
from core.errors import DomainError
from notifications.models import OutboxMessage

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    FamilyFactory,
    PackFactory,
    PricingScheduleFactory,
    timeslot,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday morning
D = datetime.date
R, NR = BookingFrequency.RECURRING, BookingFrequency.NON_RECURRING


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def dates(booking):
    return [s.occurrence.date for s in booking.seats.select_related("occurrence")]


def test_non_recurring_books_one_date_end_date_is_start_date(admin_user):
    slot = timeslot(admin_user, weekdays=(0, 2))
    student = ContactFactory()
    booking = appointment_book(
        actor=admin_user, student=student, timeslot=slot, frequency=NR,
        start_date=D(2027, 1, 6), end_date=D(2027, 3, 1),
    )  # fmt: skip
    assert booking.end_date == booking.start_date == D(2027, 1, 6)
    assert dates(booking) == [D(2027, 1, 6)]
    assert AuditEvent.objects.for_object(booking).get().action == "appointment.book"


def test_recurring_books_the_chosen_weekdays_in_range(admin_user):
    slot = timeslot(admin_user, weekdays=(0, 2))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2027, 1, 20), weekdays=[2],
    )  # fmt: skip
    assert dates(booking) == [D(2027, 1, 6), D(2027, 1, 13), D(2027, 1, 20)]
    assert booking.weekday_labels == "Wed"


def test_a_weekday_the_timeslot_does_not_have_is_refused(admin_user):
    slot = timeslot(admin_user, weekdays=(0,))
    with pytest.raises(DomainError, match="Mon only"):
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
            start_date=D(2027, 1, 4), weekdays=[1],
        )  # fmt: skip
    assert not AppointmentBooking.objects.exists()


def test_date_selection_books_only_the_dates_ticked(admin_user):
    slot = timeslot(admin_user, weekdays=(0,))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2027, 2, 1), dates=[D(2027, 1, 11), D(2027, 1, 25)],
    )  # fmt: skip
    assert dates(booking) == [D(2027, 1, 11), D(2027, 1, 25)]
    with pytest.raises(DomainError, match="not a date of this timeslot"):
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
            start_date=D(2027, 1, 4), end_date=D(2027, 2, 1), dates=[D(2027, 1, 12)],
        )  # fmt: skip


def test_one_time_timeslot_books_its_one_date_whatever_the_range(admin_user):
    slot = timeslot(admin_user, frequency=Frequency.ONE_TIME, weekdays=(), start_date=D(2027, 2, 3))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2027, 12, 31),
    )  # fmt: skip
    assert dates(booking) == [D(2027, 2, 3)]
    assert not booking.is_recurring


def test_open_ended_recurring_books_thirteen_months_then_extends(admin_user):
    slot = timeslot(admin_user, weekdays=(0,))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4),
    )  # fmt: skip
    assert dates(booking)[-1] == D(2028, 1, 31)
    assert booking.generated_until == D(2028, 2, 4)
    # the 4 Jan 2027 lesson at 16:00 has not started at 09:00
    assert dates(booking)[0] == D(2027, 1, 4)
    with time_machine.travel(datetime.datetime(2027, 2, 1, 9, 0, tzinfo=LONDON), tick=False):
        result = occurrences_extend()
    assert result["seats"] == 4  # Mondays 7, 14, 21, 28 Feb 2028
    booking.refresh_from_db()
    assert dates(booking)[-1] == D(2028, 2, 28)
    assert booking.generated_until == D(2028, 3, 1)


def test_a_long_end_date_is_not_refused_and_is_booked_as_the_window_moves(admin_user):
    slot = timeslot(admin_user, weekdays=(0,))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2029, 1, 1),
    )  # fmt: skip
    assert booking.end_date == D(2029, 1, 1)
    assert dates(booking)[-1] == D(2028, 1, 31)


def test_pricing_override(admin_user):
    slot = timeslot(admin_user)
    special = PricingScheduleFactory(name="Sibling rate")
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=NR,
        start_date=D(2027, 1, 4), pricing_schedule=special,
    )  # fmt: skip
    assert booking.pricing_schedule == special
    other = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=timeslot(admin_user), frequency=NR,
        start_date=D(2027, 1, 4),
    )  # fmt: skip
    assert other.pricing_schedule == other.timeslot.appointment_type.pricing_schedule


def test_a_full_date_is_refused_and_nothing_is_written(admin_user):
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(capacity=2))
    for _ in range(2):
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=NR,
            start_date=D(2027, 1, 11),
        )  # fmt: skip
    with pytest.raises(DomainError, match="No openings left on Mon 11 Jan 2027"):
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
            start_date=D(2027, 1, 4), end_date=D(2027, 1, 25),
        )  # fmt: skip
    assert AppointmentBooking.objects.count() == 2
    assert Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 4)).taken == 0


def test_the_same_student_twice_in_one_occurrence_is_refused(admin_user):
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(capacity=4))
    student = ContactFactory(first_name="Mia", last_name="Thompson")
    kwargs = {"actor": admin_user, "student": student, "timeslot": slot, "frequency": NR}
    appointment_book(**kwargs, start_date=D(2027, 1, 11))
    with pytest.raises(DomainError, match="Mia Thompson is already booked on Mon 11 Jan 2027"):
        appointment_book(**kwargs, start_date=D(2027, 1, 11))


def test_only_back_office_roles_may_book(admin_user, provider, finance_user):
    slot = timeslot(admin_user)
    for user in (provider, finance_user):
        with pytest.raises(PermissionDenied):
            appointment_book(
                actor=user, student=ContactFactory(), timeslot=slot, frequency=NR,
                start_date=D(2027, 1, 4),
            )  # fmt: skip


def test_punch_pass_never_below_zero_and_cancel_gives_it_back(admin_user):
    family = FamilyFactory()
    student = ContactFactory(family=family)
    pack = PackFactory(family=family, size=1)
    slot = timeslot(admin_user)
    kwargs = {
        "actor": admin_user,
        "timeslot": slot,
        "frequency": NR,
        "source": BookingSource.PUNCH_PASS,
    }
    first = book(**kwargs, student=student, start_date=D(2027, 1, 4), pack=pack)
    pack.refresh_from_db()
    assert pack.used == 1
    with pytest.raises(DomainError, match=f"No punches left on {pack.reference}"):
        book(**kwargs, student=student, start_date=D(2027, 1, 11), pack=pack)
    appointment_cancel(actor=admin_user, booking=first, reason="ill")
    pack.refresh_from_db()
    first.refresh_from_db()
    assert pack.used == 0
    assert first.status == BookingStatus.CANCELLED
    assert Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 4)).taken == 0


def test_a_pack_for_another_type_is_refused(admin_user):
    family = FamilyFactory()
    pack = PackFactory(family=family, appointment_type=AppointmentTypeFactory(name="Drums"))
    with pytest.raises(DomainError, match="is for Drums only"):
        book(
            actor=admin_user, student=ContactFactory(family=family), timeslot=timeslot(admin_user),
            frequency=NR, start_date=D(2027, 1, 4), pack=pack,
        )  # fmt: skip


def test_cancel_some_dates_keeps_the_booking(admin_user):
    slot = timeslot(admin_user)
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot, frequency=R,
        start_date=D(2027, 1, 4), end_date=D(2027, 1, 25),
    )  # fmt: skip
    seat = booking.seats.get(occurrence__date=D(2027, 1, 11))
    appointment_cancel(actor=admin_user, booking=booking, reason="holiday", seat_ids=[seat.pk])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Seat.objects.get(pk=seat.pk).state == "cancelled"
    assert Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 11)).taken == 0


def test_status_moves_follow_the_states_table(admin_user):
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=timeslot(admin_user), frequency=NR,
        start_date=D(2027, 1, 4),
    )  # fmt: skip
    with pytest.raises(DomainError, match="confirmed booking cannot be marked pending"):
        appointment_set_status(actor=admin_user, booking=booking, to=BookingStatus.PENDING)
    appointment_set_status(actor=admin_user, booking=booking, to=BookingStatus.COMPLETED)
    with pytest.raises(DomainError):
        appointment_set_status(actor=admin_user, booking=booking, to=BookingStatus.NOSHOW)


def test_send_booking_email_uses_the_new_appointment_template(admin_user, settings):
    family = FamilyFactory(account_email="thompsons@example.test")
    student = ContactFactory(family=family, first_name="Mia", last_name="Thompson")
    booking = appointment_book(
        actor=admin_user, student=student, timeslot=timeslot(admin_user), frequency=NR,
        start_date=D(2027, 1, 4), send_email=True,
    )  # fmt: skip
    message = OutboxMessage.objects.get()
    assert message.template_key == "new_appointment"
    assert "thompsons@example.test" in message.to
    assert booking.reference in message.body
    settings.APPOINTMENT_EMAILS_ENABLED = False
    appointment_book(
        actor=admin_user, student=ContactFactory(family=family), timeslot=timeslot(admin_user),
        frequency=NR, start_date=D(2027, 1, 4), send_email=True,
    )  # fmt: skip
    assert OutboxMessage.objects.count() == 1
