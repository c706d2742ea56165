from decimal import Decimal

from django import forms
from django.utils import timezone

from core.forms import BoundedDateField
from core.money import MAX_AMOUNT, money_str

from .models import Payment
from .selectors import PaymentOnInvoice

MONEY = {
    "max_digits": 12,
    "decimal_places": 2,
    "min_value": Decimal("0.01"),
    "max_value": MAX_AMOUNT,
    "error_messages": {"max_value": f"An amount cannot exceed {money_str(MAX_AMOUNT)}."},
}


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="Amount (£)", **MONEY)
    method = forms.ChoiceField(label="Payment method", choices=Payment.Method.choices)
    reference = forms.CharField(label="Reference", max_length=100, required=False)
    # A date picker (core.forms.DateInput: the en-GB default 01/12/2026 would show as empty).
    received_on = BoundedDateField(label="Date received")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class CreditNoteForm(forms.Form):
    AMOUNT, PLACES, FULL = "amount", "places", "full"
    mode = forms.ChoiceField(
        label="Credit",
        choices=[
            (AMOUNT, "Credit Note Value (inc. VAT)"),
            (PLACES, "Proportional, by places cancelled"),
            (FULL, "Everything still to credit"),
        ],
        widget=forms.RadioSelect,
        initial=AMOUNT,
    )
    amount = forms.DecimalField(label="Credit Note Value (inc. VAT, £)", required=False, **MONEY)
    reason = forms.CharField(label="Reason", max_length=500)

    def __init__(self, *args, lines=(), remaining_places=None, **kwargs):
        super().__init__(*args, **kwargs)
        remaining_places = remaining_places or {}
        self.place_fields = []
        for line in lines:
            left = remaining_places.get(line.pk, 0)
            if left <= 0:
                continue
            name = f"places_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"Places to credit on “{line.description}” (of {left})",
                min_value=0,
                max_value=left,
                required=False,
            )
            self.place_fields.append((name, line.pk))

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == self.AMOUNT and data.get("amount") is None:
            self.add_error("amount", "Enter the Credit Note Value.")
        if mode == self.PLACES:
            places = {line_id: data[name] for name, line_id in self.place_fields if data.get(name)}
            if not places:
                raise forms.ValidationError("Enter how many places to credit on at least one line.")
            data["line_places"] = places
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(label="Refund amount (£)", **MONEY)
    payment = forms.TypedChoiceField(
        label="Refund against payment", coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label="Reason", max_length=500)

    def __init__(self, *args, payments: list[PaymentOnInvoice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [("", "Newest payment first")] + [
            (p.payment.pk, f"{p.payment.display_no} – £{p.held} held") for p in payments if p.held
        ]


class ReallocateForm(forms.Form):
    target = forms.TypedChoiceField(label="Move to invoice", coerce=int)
    amount = forms.DecimalField(label="Amount (£)", **MONEY)
    reason = forms.CharField(label="Reason", max_length=500, required=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (t.pk, f"{t.display_no} – £{t.outstanding} outstanding") for t in targets
        ]


class EmailForm(forms.Form):
    to = forms.EmailField(label="Send to")
