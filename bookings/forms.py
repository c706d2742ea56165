from decimal import Decimal

from django import forms
from django.db.models import F
from django.utils import timezone

from contacts.models import Contact
from core.forms import IdChoiceField, IdMultipleChoiceField, TextAreaField
from schedules.models import Schedule

from .models import BookingPlace, DiscountKind

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class DiscountFields(forms.Form):
    discount_kind = forms.ChoiceField(
        label="Discount", choices=DiscountKind.choices, required=False
    )
    discount_value = forms.DecimalField(
        label="Discount value", required=False, **MONEY,
        help_text="A percentage (10 = 10 %) or an amount in £ off the whole booking.",
    )  # fmt: skip
    discount_reason = forms.CharField(label="Discount reason", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        kind, value = data.get("discount_kind"), data.get("discount_value")
        if kind and not value:
            self.add_error("discount_value", "Enter the discount.")
        if kind == DiscountKind.PERCENT and value and value > 100:
            self.add_error("discount_value", "A percentage discount cannot exceed 100 %.")
        if kind and value and not (data.get("discount_reason") or "").strip():
            self.add_error("discount_reason", "Give a reason for the discount.")
        return data


class PaymentDetailsForm(DiscountFields):
    """The "Payment details" step of "Create a new booking"."""

    po_number = forms.CharField(label="Purchase order number", max_length=60, required=False)


class BookingEditForm(forms.Form):
    po_number = forms.CharField(label="Purchase order number", max_length=60, required=False)
    notes = TextAreaField(label="Notes", required=False)
    reason = forms.CharField(label="Reason for the change", max_length=500, required=False)


class DiscountForm(DiscountFields):
    discount_reason = forms.CharField(label="Reason", max_length=200)


class CancelDelegatesForm(forms.Form):
    places = IdMultipleChoiceField(
        label="Delegates to cancel",
        queryset=BookingPlace.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one delegate to cancel."},
    )
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    charge = forms.DecimalField(
        label="Cancellation charge (net, optional)", required=False, **MONEY,
        help_text="Leave empty for no charge. VAT is added at the course's rate.",
    )  # fmt: skip

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = places
        self.fields["places"].label_from_instance = lambda p: p.contact.full_name


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    charge = forms.DecimalField(
        label="Cancellation charge (net, optional)", required=False, **MONEY,
    )  # fmt: skip


class StatusForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=500, required=False)


class ContactBookingsSearch(forms.Form):
    schedule = forms.CharField(label="Schedule ID", max_length=20, required=False)


class TransferForm(forms.Form):
    """Transfer one delegate: the new schedule (upcoming, with places left), an optional fee."""

    # The select offers the soonest upcoming schedules with places left (CHOICES_SHOWN);
    # validation accepts any such schedule, so a long list never makes a valid choice fail.
    CHOICES_SHOWN = 200

    schedule = IdChoiceField(
        label="New schedule",
        queryset=Schedule.objects.none(),
        error_messages={
            "required": "Choose the schedule to transfer to.",
            "invalid_choice": "That schedule has started, is full or no longer exists: "
            "choose another one.",
        },
    )
    fee = forms.DecimalField(
        label="Transfer fee (net, optional)", required=False, **MONEY,
        help_text="Leave empty for no fee. VAT is added at the new course's rate.",
    )  # fmt: skip
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, current: Schedule, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        targets = (
            Schedule.objects.upcoming(now)
            .filter(capacity__gt=F("places_taken"))
            .exclude(pk=current.pk)
            .select_related("course")
            .order_by("start_at", "pk")
        )
        field = self.fields["schedule"]
        field.queryset = targets
        field.choices = [("", "Choose a schedule")] + [
            (s.pk, _schedule_label(s)) for s in targets[: self.CHOICES_SHOWN]
        ]


def _schedule_label(s: Schedule) -> str:
    left = s.capacity - s.places_taken
    return (
        f"{s.code} · {s.course.title} · {timezone.localtime(s.start_at):%d %b %Y %H:%M} · "
        f"£{s.price:,} + VAT · {left} place{'s' if left != 1 else ''} left"
    )


# --- placeholders -------------------------------------------------------------------------------


class PlaceholderBuyForm(forms.Form):
    """ "Buy placeholder places": the organisation and schedule are chosen first (the URL)."""

    places = forms.IntegerField(label="Number of places", min_value=1, max_value=1000)
    lead_booker = IdChoiceField(
        label="Lead booker (optional)", queryset=Contact.objects.none(), required=False
    )
    po_number = forms.CharField(label="Purchase order number", max_length=60, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_booker"].queryset = members


class PlaceholderAssignForm(forms.Form):
    contact = IdChoiceField(label="Delegate", queryset=Contact.objects.none())

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = members


class PlaceholderPartCancelForm(forms.Form):
    places = forms.IntegerField(label="Places to cancel", min_value=1, max_value=1000)
    credit_note = forms.BooleanField(
        label="Create a credit note", required=False, initial=True,
        help_text="Untick to cancel the places without a credit note: the invoice stays as it is.",
    )  # fmt: skip
    value = forms.DecimalField(
        label="Credit Note Value", required=False, **{**MONEY, "min_value": Decimal("0.01")},
        help_text="Including VAT. Leave blank for the proportional amount of the places "
        "cancelled.",
    )  # fmt: skip
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlaceholderCancelAllForm(forms.Form):
    charge = forms.DecimalField(
        label="Charge (net, optional)", required=False, **MONEY,
        help_text="Leave empty for no charge. VAT is added at the course's rate; the payment "
        "pays the charge and the rest is refunded.",
    )  # fmt: skip
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlaceholderTransferForm(TransferForm):
    """Transfer a placeholder as a whole: the new schedule and the reason (no fee: the
    placeholder has no invoice to add one to)."""

    def __init__(self, *args, current: Schedule, now=None, **kwargs):
        super().__init__(*args, current=current, now=now, **kwargs)
        del self.fields["fee"]
