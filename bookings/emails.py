"""Booking emails: the editable defaults (EMAIL_TEMPLATES) and the functions the services call
to queue them in the outbox, inside the booking's transaction.

Contexts hold plain values only: the outbox keeps the rendered text, not the objects.
"""

from collections.abc import Sequence

from django.utils import timezone

from core.money import money_str

from .email_parts import (  # noqa: F401  (DELEGATE_CONFIRMATION: the services' name for it)
    COURSE_BLOCK,
    DELEGATE_CONFIRMATION,
    EXAMPLE_COURSE,
    SIGN_OFF,
    course_context,
    queue_emails,
)
from .placeholder_emails import (  # noqa: F401  (re-exported for the services)
    PLACEHOLDER_EMAIL_TEMPLATES,
    queue_placeholder_assigned,
    queue_placeholder_bought,
    queue_placeholder_transfer,
)

LEAD_BOOKER_CONFIRMATION = "booking_lead_booker_confirmation"
PO_CONFIRMATION = "booking_po_confirmation"
DELEGATE_CANCELLED = "booking_delegate_cancelled"
LEAD_BOOKER_CANCELLATION = "booking_lead_booker_cancellation"
DELEGATE_TRANSFERRED = "booking_delegate_transferred"
LEAD_BOOKER_TRANSFER = "booking_lead_booker_transfer"

EMAIL_TEMPLATES = {
    DELEGATE_CONFIRMATION: {
        "name": "Booking confirmation (delegate)",
        "description": "Sent to the student of a single booking and to every delegate of a "
        "group booking. Context: delegate_name, reference, course_title, schedule_code, "
        "starts, ends, venue, sessions, organisation, lead_booker_name, seller_name.",
        "subject": "Booking confirmed: {{ course_title }} ({{ schedule_code }})",
        "body": (
            "Dear {{ delegate_name }},\n\n"
            "You are booked on the following course"
            "{% if organisation %} by {{ organisation }}{% endif %}.\n\n"
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\n"
            "{% if lead_booker_name %}Your lead booker is {{ lead_booker_name }}.\n{% endif %}"
            + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "delegate_name": "Ann Smith",
            "lead_booker_name": "Raj Patel",
        },
    },
    LEAD_BOOKER_CONFIRMATION: {
        "name": "Group booking confirmation (lead booker)",
        "description": "Sent to the lead booker of a group booking, with the booking "
        "information. Context: lead_booker_name, organisation, reference, course_title, "
        "schedule_code, starts, ends, venue, sessions, delegates, delegate_count, unit_price, "
        "discount, net, vat, total, po_number, invoice_number, amount_due, seller_name.",
        "subject": "Group booking {{ reference }} confirmed: {{ course_title }}",
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "Your booking for {{ organisation }} is confirmed.\n\n"
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\n"
            "Delegates ({{ delegate_count }}):\n"
            "{% for d in delegates %}  - {{ d }}\n{% endfor %}\n"
            "Price per delegate: {{ unit_price }}\n"
            "{% if discount %}Discount: {{ discount }}\n{% endif %}"
            "Net: {{ net }}\nVAT: {{ vat }}\nTotal: {{ total }}\n"
            "{% if po_number %}Purchase order number: {{ po_number }}\n{% endif %}"
            "{% if invoice_number %}Invoice {{ invoice_number }}, amount due "
            "{{ amount_due }}.\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "delegates": ["Ann Smith", "Tom Jones"],
            "delegate_count": 2,
            "unit_price": "£450.00",
            "discount": "£45.00",
            "net": "£855.00",
            "vat": "£171.00",
            "total": "£1,026.00",
            "po_number": "PO-4471",
            "invoice_number": "INV-000123",
            "amount_due": "£1,026.00",
        },
    },
    PO_CONFIRMATION: {
        "name": "Back-office booking confirmation (purchase order number)",
        "description": "Sent when a booking is edited to enter or change its purchase order "
        "number. Context: recipient_name, reference, po_number, course_title, schedule_code, "
        "starts, ends, venue, sessions, delegates, organisation, invoice_numbers, seller_name.",
        "subject": "Booking {{ reference }} confirmed – purchase order {{ po_number }}",
        "body": (
            "Dear {{ recipient_name }},\n\n"
            "We have recorded purchase order number {{ po_number }} against booking "
            "{{ reference }}{% if organisation %} for {{ organisation }}{% endif %}.\n\n"
            + COURSE_BLOCK
            + "\nDelegates:\n{% for d in delegates %}  - {{ d }}\n{% endfor %}"
            "{% if invoice_numbers %}\nInvoice: {{ invoice_numbers }}\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "recipient_name": "Raj Patel",
            "po_number": "PO-4471",
            "delegates": ["Ann Smith", "Tom Jones"],
            "invoice_numbers": "INV-000123",
        },
    },
    DELEGATE_CANCELLED: {
        "name": "Booking cancelled (delegate)",
        "description": "Sent to each cancelled delegate. Context: delegate_name, reference, "
        "course_title, schedule_code, starts, reason, seller_name.",
        "subject": "Booking cancelled: {{ course_title }} ({{ schedule_code }})",
        "body": (
            "Dear {{ delegate_name }},\n\n"
            "Your place on {{ course_title }} ({{ schedule_code }}, starting {{ starts }}) "
            "has been cancelled.\nReason: {{ reason }}\n" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "delegate_name": "Tom Jones",
            "reason": "Delegate left the company",
        },
    },
    LEAD_BOOKER_CANCELLATION: {
        "name": "Delegates cancelled (lead booker)",
        "description": "Sent to the lead booker when delegates are cancelled from a group "
        "booking. Context: lead_booker_name, reference, course_title, schedule_code, starts, "
        "cancelled, remaining, reason, charge_total, charge_invoice_number, seller_name.",
        "subject": "Booking {{ reference }}: delegates cancelled",
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "The following delegates have been cancelled from booking {{ reference }} "
            "({{ course_title }}, {{ schedule_code }}, starting {{ starts }}):\n"
            "{% for d in cancelled %}  - {{ d }}\n{% endfor %}"
            "Reason: {{ reason }}\n\n"
            "{% if remaining %}Still booked:\n{% for d in remaining %}  - {{ d }}\n{% endfor %}"
            "{% else %}No delegates remain on this booking.\n{% endif %}"
            "{% if charge_invoice_number %}\nA cancellation charge of {{ charge_total }} has "
            "been invoiced ({{ charge_invoice_number }}).\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "cancelled": ["Tom Jones"],
            "remaining": ["Ann Smith"],
            "reason": "Delegate left the company",
            "charge_total": "£60.00",
            "charge_invoice_number": "INV-000124",
        },
    },
    DELEGATE_TRANSFERRED: {
        "name": "Delegate transferred (delegate)",
        "description": "Sent to a delegate moved to another schedule. Context: delegate_name, "
        "reference, old_course_title, old_schedule_code, old_starts, course_title, "
        "schedule_code, starts, ends, venue, sessions, reason, seller_name.",
        "subject": "Your booking has moved: {{ course_title }} ({{ schedule_code }})",
        "body": (
            "Dear {{ delegate_name }},\n\n"
            "Your place on {{ old_course_title }} ({{ old_schedule_code }}, starting "
            "{{ old_starts }}) has been transferred. You are now booked on:\n\n"
            "Booking reference: {{ reference }}\n"
            + COURSE_BLOCK
            + "\nReason: {{ reason }}\n"
            + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "delegate_name": "Tom Jones",
            "old_course_title": "Fire Marshal",
            "old_schedule_code": "FM-0007",
            "old_starts": "2 March 2026 09:00",
            "reason": "Delegate asked for a later date",
        },
    },
    LEAD_BOOKER_TRANSFER: {
        "name": "Delegate transferred (lead booker)",
        "description": "Sent to the lead booker of a group booking when a delegate is moved "
        "to another schedule. Context: lead_booker_name, delegate_name, reference, "
        "old_course_title, old_schedule_code, old_starts, course_title, schedule_code, starts, "
        "ends, venue, sessions, reason, invoice_number, invoice_total, amount_due, seller_name.",
        "subject": (
            "Booking {{ reference }}: {{ delegate_name }} transferred to {{ schedule_code }}"
        ),
        "body": (
            "Dear {{ lead_booker_name }},\n\n"
            "{{ delegate_name }} has been transferred from {{ old_course_title }} "
            "({{ old_schedule_code }}, starting {{ old_starts }}) to:\n\n"
            "Booking reference: {{ reference }}\n" + COURSE_BLOCK + "\nReason: {{ reason }}\n"
            "{% if invoice_number %}\nInvoice {{ invoice_number }} for {{ invoice_total }}, "
            "amount due {{ amount_due }}.\n{% endif %}" + SIGN_OFF
        ),
        "example": {
            **EXAMPLE_COURSE,
            "lead_booker_name": "Raj Patel",
            "delegate_name": "Tom Jones",
            "old_course_title": "Fire Marshal",
            "old_schedule_code": "FM-0007",
            "old_starts": "2 March 2026 09:00",
            "reason": "Delegate asked for a later date",
            "invoice_number": "INV-000124",
            "invoice_total": "£120.00",
            "amount_due": "£70.00",
        },
    },
}


def queue_booking_confirmations(
    *, actor, booking, places, invoice, quote, sessions: Sequence | None = None
) -> None:
    """Single: the student. Group: the lead booker (booking information) + every delegate.
    `sessions`: the schedule's timetable sessions, when the caller has read them already."""
    base = course_context(booking, sessions=sessions)
    about = [booking] + ([invoice] if invoice else [])
    lead = booking.lead_booker if booking.lead_booker_id else None
    emails = [
        (
            p.contact.email,
            DELEGATE_CONFIRMATION,
            {
                **base,
                "delegate_name": p.contact.full_name,
                "lead_booker_name": lead.full_name if lead else "",
            },
            about,
        )
        for p in places
    ]
    if lead is not None:
        emails.append(
            (
                lead.email,
                LEAD_BOOKER_CONFIRMATION,
                {
                    **base,
                    "lead_booker_name": lead.full_name,
                    "delegates": [p.contact.full_name for p in places],
                    "delegate_count": len(places),
                    "unit_price": money_str(quote.unit_price),
                    "discount": money_str(quote.discount) if quote.discount else "",
                    "net": money_str(quote.net),
                    "vat": money_str(quote.vat),
                    "total": money_str(quote.total),
                    "po_number": booking.po_number,
                    "invoice_number": invoice.display_no if invoice else "",
                    "amount_due": money_str(invoice.outstanding) if invoice else "",
                },
                about,
            )
        )
    queue_emails(actor=actor, emails=emails)


def queue_po_confirmation(*, actor, booking) -> None:
    """The back-office confirmation: to the lead booker, or the student of a single booking."""
    from .models import PlaceState

    recipient = booking.lead_booker or booking.contact
    if recipient is None:
        return
    invoices = list(booking.invoices.order_by("pk").values_list("display_no", flat=True))
    context = {
        **course_context(booking),
        "recipient_name": recipient.full_name,
        "po_number": booking.po_number,
        "delegates": [
            p.contact.full_name
            for p in booking.places.filter(state=PlaceState.BOOKED).select_related("contact")
            if p.contact
        ],
        "invoice_numbers": ", ".join(invoices),
    }
    queue_emails(actor=actor, emails=[(recipient.email, PO_CONFIRMATION, context, [booking])])


def queue_cancellations(*, actor, booking, places, reason, schedule, charge_invoice) -> None:
    from .models import PlaceState

    base = {**course_context(booking, schedule), "reason": reason}
    about = [booking] + ([charge_invoice] if charge_invoice else [])
    emails = [
        (
            p.contact.email,
            DELEGATE_CANCELLED,
            {**base, "delegate_name": p.contact.full_name},
            about,
        )
        for p in places
        if p.contact is not None
    ]
    lead = booking.lead_booker
    if lead is not None:
        remaining = [
            p.contact.full_name
            for p in booking.places.filter(state=PlaceState.BOOKED).select_related("contact")
            if p.contact
        ]
        emails.append(
            (
                lead.email,
                LEAD_BOOKER_CANCELLATION,
                {
                    **base,
                    "lead_booker_name": lead.full_name,
                    "cancelled": [p.contact.full_name for p in places if p.contact],
                    "remaining": remaining,
                    "charge_total": money_str(charge_invoice.gross_total) if charge_invoice else "",
                    "charge_invoice_number": charge_invoice.display_no if charge_invoice else "",
                },
                about,
            )
        )
    queue_emails(actor=actor, emails=emails)


def queue_transfer(
    *, actor, booking, contact, old_schedule, new_schedule, sessions, reason, invoice
) -> None:
    """The delegate, and for a group booking the lead booker, hear where the delegate is now
    booked (and the lead booker which invoice bills it)."""
    base = {
        **course_context(booking, new_schedule, sessions=sessions),
        "old_course_title": old_schedule.course.title,
        "old_schedule_code": old_schedule.code,
        "old_starts": f"{timezone.localtime(old_schedule.start_at):%d %B %Y %H:%M}",
        "reason": reason,
        "delegate_name": contact.full_name,
    }
    about = [booking] + ([invoice] if invoice else [])
    emails = [(contact.email, DELEGATE_TRANSFERRED, base, about)]
    lead = booking.lead_booker if booking.is_group and booking.lead_booker_id else None
    if lead is not None:
        emails.append(
            (
                lead.email,
                LEAD_BOOKER_TRANSFER,
                {
                    **base,
                    "lead_booker_name": lead.full_name,
                    "invoice_number": invoice.display_no if invoice else "",
                    "invoice_total": money_str(invoice.gross_total) if invoice else "",
                    "amount_due": money_str(invoice.outstanding) if invoice else "",
                },
                about,
            )
        )
    queue_emails(actor=actor, emails=emails)


EMAIL_TEMPLATES.update(PLACEHOLDER_EMAIL_TEMPLATES)
