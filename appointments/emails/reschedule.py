"""Emails of a rescheduled or cancelled appointment (editable templates, registered in
`appointments.emails.EMAIL_TEMPLATES`), queued in the service's transaction."""

from django.conf import settings

from notifications.services import email_queue

APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
APPOINTMENT_CANCELLED = "appointment_cancelled"

RESCHEDULE_EMAIL_TEMPLATES = {
    APPOINTMENT_RESCHEDULED: {
        "name": "Appointment rescheduled",
        "description": "Sent to the family (else the student) when the office reschedules one "
        "date of an appointment booking from the calendar. Context: family_name, student_name, "
        "reference, appointment_type, staff_name, old_time, new_time, location, reason, "
        "seller_name.",
        "subject": "Appointment moved: {{ appointment_type }} for {{ student_name }}",
        "body": (
            "Dear {{ family_name }},\n\n"
            "{{ student_name }}'s {{ appointment_type }} on {{ old_time }} has moved to "
            "{{ new_time }} with {{ staff_name }}{% if location %} at {{ location }}{% endif %}.\n"
            "{% if reason %}\nReason: {{ reason }}\n{% endif %}"
            "\nBooking reference: {{ reference }}\n"
            "\nKind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "family_name": "The Thompson family",
            "student_name": "Mia Thompson",
            "reference": "AP000123",
            "appointment_type": "Piano lesson (30 min)",
            "staff_name": "Grace Hopper",
            "old_time": "Mon 04 Jan 2027 16:00",
            "new_time": "Tue 05 Jan 2027 17:00",
            "location": "Room 2",
            "reason": "Teacher at a concert",
            "seller_name": "Northwind Training Ltd",
        },
    },
    APPOINTMENT_CANCELLED: {
        "name": "Appointment cancelled",
        "description": "Sent to the family (else the student) when the office cancels an "
        "appointment booking from the calendar. Context: family_name, student_name, reference, "
        "appointment_type, staff_name, dates, reason, seller_name.",
        "subject": "Appointment cancelled: {{ appointment_type }} for {{ student_name }}",
        "body": (
            "Dear {{ family_name }},\n\n"
            "{{ student_name }}'s {{ appointment_type }} with {{ staff_name }} is cancelled"
            "{% if dates %} on:\n{% for d in dates %}  - {{ d }}\n{% endfor %}{% else %}.\n"
            "{% endif %}"
            "{% if reason %}\nReason: {{ reason }}\n{% endif %}"
            "\nBooking reference: {{ reference }}\n"
            "\nKind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "family_name": "The Thompson family",
            "student_name": "Mia Thompson",
            "reference": "AP000123",
            "appointment_type": "Piano lesson (30 min)",
            "staff_name": "Grace Hopper",
            "dates": ["Mon 04 Jan 2027 16:00"],
            "reason": "Family moved away",
            "seller_name": "Northwind Training Ltd",
        },
    },
}


def _common(booking) -> dict:
    student = booking.student
    family = student.family if student.family_id else None
    return {
        "family_name": family.name if family else f"{student.first_name} {student.last_name}",
        "student_name": f"{student.first_name} {student.last_name}",
        "reference": booking.reference,
        "appointment_type": booking.timeslot.appointment_type.name,
        "staff_name": booking.timeslot.staff_name,
        "seller_name": settings.SELLER["name"],
    }


def _address(booking) -> str:
    from . import booking_email_address

    if not settings.APPOINTMENT_EMAILS_ENABLED:
        return ""
    return booking_email_address(booking)


def queue_rescheduled(*, actor, booking, old, new, reason: str) -> bool:
    """To the people booked; False when there is no one to write to (emails off, no valid
    address)."""
    to = _address(booking)
    if not to:
        return False
    email_queue(
        to=to,
        template_key=APPOINTMENT_RESCHEDULED,
        context={
            **_common(booking),
            "old_time": f"{old.local_start:%a %d %b %Y %H:%M}",
            "new_time": f"{new.local_start:%a %d %b %Y %H:%M}",
            "staff_name": new.timeslot.staff_name,
            "location": new.timeslot.location,
            "reason": reason,
        },
        about=[booking],
        actor=actor,
    )
    return True


def queue_cancelled(*, actor, booking, seats, reason: str) -> bool:
    to = _address(booking)
    if not to:
        return False
    email_queue(
        to=to,
        template_key=APPOINTMENT_CANCELLED,
        context={
            **_common(booking),
            "dates": [f"{s.occurrence.local_start:%a %d %b %Y %H:%M}" for s in seats[:20]],
            "reason": reason,
        },
        about=[booking],
        actor=actor,
    )
    return True
