from decimal import Decimal

from django import forms

from core.forms import IdMultipleChoiceField

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
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
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
