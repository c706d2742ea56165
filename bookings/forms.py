from decimal import Decimal

from django import forms

from contacts.models import Contact

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
    places = forms.ModelMultipleChoiceField(
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


# --- placeholders -------------------------------------------------------------------------------


class PlaceholderBuyForm(forms.Form):
    """ "Buy placeholder places": the organisation and schedule are chosen first (the URL)."""

    places = forms.IntegerField(label="Number of places", min_value=1, max_value=1000)
    lead_booker = forms.ModelChoiceField(
        label="Lead booker (optional)", queryset=Contact.objects.none(), required=False
    )
    po_number = forms.CharField(label="Purchase order number", max_length=60, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_booker"].queryset = members


class PlaceholderAssignForm(forms.Form):
    contact = forms.ModelChoiceField(label="Delegate", queryset=Contact.objects.none())

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
