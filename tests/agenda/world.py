"""A small world for the calendar tests: a course schedule with sessions and its bookings, a
staff member's weekly timeslot with appointment bookings; time frozen on a Monday morning."""

import datetime
from zoneinfo import ZoneInfo

from appointments.services import appointment_book
from appointments.states import BookingFrequency
from bookings import services as booking_services
from tests.appointments.factories import AppointmentTypeFactory, staff_member, timeslot
from tests.bookings.factories import ContactFactory, FamilyFactory, ScheduleFactory
from tests.conftest import make_user

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 8, 0, tzinfo=LONDON)  # Monday 4 January 2027
D = datetime.date


def build(admin, *, trainer=None, staff=None, course_bookings: int = 1, appointments: int = 1):
    from core.roles import Role

    trainer = trainer or make_user("tina.trainer", Role.PROVIDER, first_name="Tina")
    staff = staff or staff_member("Grace")
    schedule = ScheduleFactory(
        code="FA-0107",
        start_at=datetime.datetime(2027, 1, 7, 9, 0, tzinfo=LONDON),
        end_at=datetime.datetime(2027, 1, 8, 17, 0, tzinfo=LONDON),
        trainer=trainer,
        capacity=course_bookings + 20,
    )
    other = ScheduleFactory(
        code="FA-0121",
        course=schedule.course,
        start_at=datetime.datetime(2027, 1, 21, 9, 0, tzinfo=LONDON),
        end_at=datetime.datetime(2027, 1, 22, 17, 0, tzinfo=LONDON),
        capacity=course_bookings + 20,
    )
    bookings = [
        booking_services.booking_create(
            actor=admin, kind="individual", schedule=schedule, student=ContactFactory()
        )
        for _ in range(course_bookings)
    ]
    kind = AppointmentTypeFactory(name="Piano lesson", capacity=1)
    first = D(2027, 1, 4)
    slot = timeslot(
        admin, staff=staff, appointment_type=kind, weekdays=(0, 2),
        start_date=first, start_time=datetime.time(16, 0), today=first,
    )  # fmt: skip
    slot2 = timeslot(
        admin, staff=staff_member("Ada"), appointment_type=kind, weekdays=(1,),
        start_date=first, start_time=datetime.time(17, 0), today=first,
    )  # fmt: skip
    appts = []
    for _ in range(appointments):
        family = FamilyFactory()
        student = ContactFactory(family=family)
        appts.append(
            appointment_book(
                actor=admin,
                student=student,
                timeslot=slot,
                frequency=BookingFrequency.NON_RECURRING,
                start_date=D(2027, 1, 6),
            )  # fmt: skip
        )
    return {
        "trainer": trainer,
        "staff": staff,
        "schedule": schedule,
        "other_schedule": other,
        "bookings": bookings,
        "timeslot": slot,
        "timeslot2": slot2,
        "appointments": appts,
    }
