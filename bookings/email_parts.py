"""Pieces every booking email shares: the course block and sign-off of the editable
defaults, their example context, the course context of a booking and the one way to queue
them (bookings/emails.py, bookings/placeholder_emails.py).

Contexts hold plain values only: the outbox keeps the rendered text, not the objects.
"""

from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone

DELEGATE_CONFIRMATION = "booking_delegate_confirmation"

SIGN_OFF = "\nKind regards,\n{{ seller_name }}\n"
COURSE_BLOCK = (
    "Course: {{ course_title }}\n"
    "Schedule ID: {{ schedule_code }}\n"
    "Dates: {{ starts }} to {{ ends }}\n"
    "{% if venue %}Venue: {{ venue }}\n{% endif %}"
    "{% if sessions %}Sessions:\n{% for s in sessions %}  - {{ s }}\n{% endfor %}{% endif %}"
)

EXAMPLE_COURSE = {
    "reference": "BK000123",
    "course_title": "First Aid at Work",
    "schedule_code": "FAW-0042",
    "starts": "12 March 2026 09:00",
    "ends": "14 March 2026 16:30",
    "venue": "Leeds Training Centre",
    "sessions": ["Thu 12 Mar 2026 09:00-16:30", "Fri 13 Mar 2026 09:00-16:30"],
    "organisation": "Acme Ltd",
    "seller_name": "Northwind Training Ltd",
}


def queue_emails(*, actor, emails: Sequence[tuple[str, str, dict, Sequence]]) -> None:
    """Queue (to, template key, context, about) emails in one go; people without an address
    on file are skipped (the booking page shows which emails were queued)."""
    from notifications.services import EmailToQueue, email_queue_many

    email_queue_many(
        actor=actor,
        emails=[
            EmailToQueue(to=[to], template_key=key, context=context, about=about)
            for to, key, context, about in emails
            if to
        ],
    )


def course_context(booking, schedule=None, sessions=None) -> dict:
    schedule = schedule or booking.schedule
    if sessions is None:
        sessions = schedule.sessions.all()
    return {
        "reference": booking.reference,
        "course_title": schedule.course.title,
        "schedule_code": schedule.code,
        "starts": f"{timezone.localtime(schedule.start_at):%d %B %Y %H:%M}",
        "ends": f"{timezone.localtime(schedule.end_at):%d %B %Y %H:%M}",
        "venue": str(schedule.venue) if schedule.venue_id else "",
        "sessions": [str(s) for s in sessions],
        "organisation": booking.organisation.name if booking.organisation_id else "",
        "seller_name": settings.SELLER.get("name", ""),
    }
