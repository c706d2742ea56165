"""Appointment emails: the editable "New Appointment" template (seed 002) and the function the
booking service calls to queue it in the booking's transaction."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from notifications.services import email_queue

NEW_APPOINTMENT = "new_appointment"

EMAIL_TEMPLATES = {
    NEW_APPOINTMENT: {
        "name": "New Appointment",
        "description": 'Sent when the office ticks "Send Booking Email" on a new appointment '
        "booking. Context: family_name, student_name, reference, appointment_type, staff_name, "
        "times, dates (the first dates booked), more_dates (how many more), recurring, "
        "location, seller_name.",
        "subject": "Appointment booked: {{ appointment_type }} for {{ student_name }}",
        "body": (
            "Dear {{ family_name }},\n\n"
            "{{ student_name }} is booked for {{ appointment_type }} with {{ staff_name }}"
            "{% if location %} at {{ location }}{% endif %}.\n\n"
            "Booking reference: {{ reference }}\n"
            "Time: {{ times }}\n"
            "{% if recurring %}Recurring, starting:{% else %}Date:{% endif %}\n"
            "{% for d in dates %}  - {{ d }}\n{% endfor %}"
            "{% if more_dates %}  ... and {{ more_dates }} more\n{% endif %}"
            "\nKind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "family_name": "The Thompson family",
            "student_name": "Mia Thompson",
            "reference": "AP000123",
            "appointment_type": "Piano lesson (30 min)",
            "staff_name": "Grace Hopper",
            "times": "16:00–16:30",
            "dates": ["Mon 04 Jan 2027", "Mon 11 Jan 2027"],
            "more_dates": 48,
            "recurring": True,
            "location": "Room 2",
            "seller_name": "Northwind Training Ltd",
        },
    },
}

SHOWN_DATES = 6


def booking_email_address(booking_or_student) -> str:
    """Where the booking email goes: the family's account email, else the student's own; ""
    when there is no valid address (then "Send Booking Email" is not offered)."""
    student = getattr(booking_or_student, "student", booking_or_student)
    family = student.family if student.family_id else None
    for address in (family.account_email if family else "", student.email):
        if address:
            try:
                validate_email(address)
            except ValidationError:
                continue
            return address
    return ""


def booking_email_offered(student) -> bool:
    """Seed 002: offered only when email sending is enabled and the family has a valid email."""
    return bool(settings.APPOINTMENT_EMAILS_ENABLED and booking_email_address(student))


def queue_new_appointment(*, actor, booking, seats) -> None:
    student = booking.student
    timeslot = booking.timeslot
    family = student.family if student.family_id else None
    dates = [f"{seat.occurrence.date:%a %d %b %Y}" for seat in seats]
    email_queue(
        to=booking_email_address(booking),
        template_key=NEW_APPOINTMENT,
        context={
            "family_name": family.name if family else f"{student.first_name} {student.last_name}",
            "student_name": f"{student.first_name} {student.last_name}",
            "reference": booking.reference,
            "appointment_type": timeslot.appointment_type.name,
            "staff_name": timeslot.staff_name,
            "times": f"{timeslot.start_time:%H:%M}–{timeslot.end_time:%H:%M}",
            "dates": dates[:SHOWN_DATES],
            "more_dates": max(len(dates) - SHOWN_DATES, 0),
            "recurring": booking.is_recurring,
            "location": timeslot.location,
            "seller_name": settings.SELLER["name"],
        },
        about=[booking],
        actor=actor,
    )


# The templates of the other appointment emails, declared beside the code that sends them.
from .invitations import INVITATION_EMAIL_TEMPLATES  # noqa: E402
from .reschedule import RESCHEDULE_EMAIL_TEMPLATES  # noqa: E402

EMAIL_TEMPLATES.update(INVITATION_EMAIL_TEMPLATES)
EMAIL_TEMPLATES.update(RESCHEDULE_EMAIL_TEMPLATES)
