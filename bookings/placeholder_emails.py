"""Placeholder emails (SPEC 5): the editable defaults, merged into `bookings.emails`'
EMAIL_TEMPLATES, and the functions the placeholder services call to queue them inside their
transaction. Kept apart so `bookings/emails.py` stays small."""

from core.money import money_str

from .emails import _COURSE, _EXAMPLE_COURSE, _SIGN_OFF, _course_context, _queue

PLACEHOLDER_TRANSFERRED = "booking_placeholder_transferred"

PLACEHOLDER_EMAIL_TEMPLATES = {
    PLACEHOLDER_TRANSFERRED: {
        "name": "Placeholder transferred (lead booker)",
        "description": "Sent to the lead booker of a placeholder when all its places move to "
        "another schedule. Context: lead_booker_name, reference, places, delegates, "
        "old_course_title, old_schedule_code, old_starts, course_title, schedule_code, starts, "
        "ends, venue, sessions, organisation, reason, invoice_number, invoice_total, "
        "seller_name.",
        "subject": "Placeholder {{ reference }} moved to {{ schedule_code }}",
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "The {{ places }} placeholder place{{ places|pluralize }} of {{ organisation }} on "
            "{{ old_course_title }} ({{ old_schedule_code }}, starting {{ old_starts }}) "
            "{{ places|pluralize:'has,have' }} been transferred to:\n\n"
            "Booking reference: {{ reference }}\n" + _COURSE + "\nReason: {{ reason }}\n"
            "{% if delegates %}\nDelegates moved with the places:\n"
            "{% for d in delegates %}  - {{ d }}\n{% endfor %}{% endif %}"
            "{% if invoice_number %}\nInvoice {{ invoice_number }} for {{ invoice_total }} "
            "bills the places on the new course.\n{% endif %}" + _SIGN_OFF
        ),
        "example": {
            **_EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "places": 5,
            "delegates": ["Tom Jones", "Amy Lee"],
            "old_course_title": "Fire Marshal",
            "old_schedule_code": "FM-0007",
            "old_starts": "2 March 2026 09:00",
            "reason": "Course moved at the customer's request",
            "invoice_number": "",
            "invoice_total": "",
        },
    },
}


def queue_placeholder_transfer(*, actor, booking, old_schedule, sessions, reason, invoice) -> None:
    """The lead booker, if the placeholder has one, hears where its places are now."""
    from django.utils import timezone

    from .models import PlaceState

    lead = booking.lead_booker if booking.lead_booker_id else None
    if lead is None:
        return
    places = booking.places.filter(state=PlaceState.BOOKED).select_related("contact")
    context = {
        **_course_context(booking, sessions=sessions),
        "lead_booker_name": lead.full_name,
        "places": booking.places_bought,
        "delegates": sorted(p.contact.full_name for p in places if p.contact_id),
        "old_course_title": old_schedule.course.title,
        "old_schedule_code": old_schedule.code,
        "old_starts": f"{timezone.localtime(old_schedule.start_at):%d %B %Y %H:%M}",
        "reason": reason,
        "invoice_number": invoice.display_no if invoice else "",
        "invoice_total": money_str(invoice.gross_total) if invoice else "",
    }
    about = [booking] + ([invoice] if invoice else [])
    _queue(actor=actor, emails=[(lead.email, PLACEHOLDER_TRANSFERRED, context, about)])
