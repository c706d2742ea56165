"""Placeholder emails (SPEC 5): the editable defaults, merged into `bookings.emails`'
EMAIL_TEMPLATES, and the functions the placeholder services call to queue them inside their
transaction. Kept apart so `bookings/emails.py` stays small; the shared pieces are in
`bookings/email_parts.py`."""

from core.money import money_str

from .email_parts import (
    COURSE_BLOCK,
    DELEGATE_CONFIRMATION,
    EXAMPLE_COURSE,
    SIGN_OFF,
    course_context,
    queue_emails,
)

PLACEHOLDER_BOUGHT = "booking_placeholder_bought"
PLACEHOLDER_ASSIGNED = "booking_placeholder_assigned"
PLACEHOLDER_TRANSFERRED = "booking_placeholder_transferred"

PLACEHOLDER_EMAIL_TEMPLATES = {
    PLACEHOLDER_BOUGHT: {
        "name": "Placeholder places bought (lead booker)",
        "description": "Sent to the lead booker, if any, when an organisation buys "
        "placeholder places. Context: lead_booker_name, organisation, reference, places, "
        "course_title, schedule_code, starts, ends, venue, sessions, po_number, "
        "invoice_number, invoice_total, amount_due, seller_name.",
        "subject": "Placeholder {{ reference }}: {{ places }} place{{ places|pluralize }} on "
        "{{ course_title }}",
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "{{ organisation }} has bought {{ places }} place{{ places|pluralize }} on the "
            "following course. Delegates can be named for them later.\n\n"
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\n"
            "{% if po_number %}PO number: {{ po_number }}\n{% endif %}"
            "{% if invoice_number %}Invoice {{ invoice_number }} for {{ invoice_total }}, "
            "amount due {{ amount_due }}.\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "places": 5,
            "po_number": "PO-7781",
            "invoice_number": "INV-000124",
            "invoice_total": "£600.00",
            "amount_due": "£600.00",
        },
    },
    PLACEHOLDER_ASSIGNED: {
        "name": "Delegate assigned to a placeholder place (lead booker)",
        "description": "Sent to the lead booker of a placeholder, if any, when a delegate is "
        "assigned to one of its places (the delegate gets the booking confirmation). Context: "
        "lead_booker_name, delegate_name, organisation, reference, course_title, "
        "schedule_code, starts, ends, venue, sessions, places, assigned, free, seller_name.",
        "subject": "Placeholder {{ reference }}: {{ delegate_name }} assigned to a place",
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "{{ delegate_name }} has been assigned to a placeholder place of {{ organisation }} "
            "and is booked on:\n\n"
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\n"
            "Places: {{ places }}, assigned {{ assigned }}, free {{ free }}.\n" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "delegate_name": "Ann Smith",
            "places": 5,
            "assigned": 2,
            "free": 3,
        },
    },
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
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\nReason: {{ reason }}\n"
            "{% if delegates %}\nDelegates moved with the places:\n"
            "{% for d in delegates %}  - {{ d }}\n{% endfor %}{% endif %}"
            "{% if invoice_number %}\nInvoice {{ invoice_number }} for {{ invoice_total }} "
            "bills the places on the new course.\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
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


def queue_placeholder_bought(*, actor, booking, invoice) -> None:
    """The lead booker, if the placeholder names one, hears what was bought."""
    lead = booking.lead_booker if booking.lead_booker_id else None
    if lead is None:
        return
    context = {
        **course_context(booking),
        "lead_booker_name": lead.full_name,
        "places": booking.places_bought,
        "po_number": booking.po_number,
        "invoice_number": invoice.display_no if invoice else "",
        "invoice_total": money_str(invoice.gross_total) if invoice else "",
        "amount_due": money_str(invoice.outstanding) if invoice else "",
    }
    about = [booking] + ([invoice] if invoice else [])
    queue_emails(actor=actor, emails=[(lead.email, PLACEHOLDER_BOUGHT, context, about)])


def queue_placeholder_assigned(*, actor, booking, contact, sessions, assigned: int) -> None:
    """The delegate gets the booking confirmation a group's delegate gets; the lead booker,
    if any, hears who took a place and how many are left."""
    base = course_context(booking, sessions=sessions)
    lead = booking.lead_booker if booking.lead_booker_id else None
    emails = [
        (
            contact.email,
            DELEGATE_CONFIRMATION,
            {
                **base,
                "delegate_name": contact.full_name,
                "lead_booker_name": lead.full_name if lead else "",
            },
            [booking],
        )
    ]
    if lead is not None:
        context = {
            **base,
            "lead_booker_name": lead.full_name,
            "delegate_name": contact.full_name,
            "places": booking.places_bought,
            "assigned": assigned,
            "free": max(booking.places_bought - assigned, 0),
        }
        emails.append((lead.email, PLACEHOLDER_ASSIGNED, context, [booking]))
    queue_emails(actor=actor, emails=emails)


def queue_placeholder_transfer(*, actor, booking, old_schedule, sessions, reason, invoice) -> None:
    """The lead booker, if the placeholder has one, hears where its places are now."""
    from django.utils import timezone

    from .models import PlaceState

    lead = booking.lead_booker if booking.lead_booker_id else None
    if lead is None:
        return
    places = booking.places.filter(state=PlaceState.BOOKED).select_related("contact")
    context = {
        **course_context(booking, sessions=sessions),
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
    queue_emails(actor=actor, emails=[(lead.email, PLACEHOLDER_TRANSFERRED, context, about)])
