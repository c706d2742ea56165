"""The forms of the tuition charge pages ("New Charge", "Tuition charges")."""

import datetime
from decimal import Decimal

from django import forms

from core.forms import BoundedDateField

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d", "%d/%m/%Y"]


class MonthInput(forms.DateInput):
    """A browser month picker (`<input type="month">`, value "2027-01")."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(BoundedDateField):
    """A month ("2027-01", or any date in it): the first day of that month."""

    widget = MonthInput
    input_formats = MONTH_FORMATS

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class CategoryField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Category")
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("initial", "Tuition")
        super().__init__(**kwargs)


class NewChargeForm(forms.Form):
    """ "New Charge" for one appointment booking, prefilled from its pricing schedule."""

    as_of = MonthField(label="As of Date", help_text="The month charged: the lessons booked in it.")
    category = CategoryField()
    amount = forms.DecimalField(
        label="Amount (£, net)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000000.00"),
        required=False,
        help_text="Before VAT. Leave blank for the pricing schedule's amount.",
    )
    description = forms.CharField(
        label="Description",
        max_length=300,
        required=False,
        help_text="The invoice line. Leave blank to describe the lessons charged.",
    )


class ChargeRunForm(forms.Form):
    """ "Tuition charges": the month and category to preview."""

    period = MonthField(label="Period (month)")
    category = CategoryField()


class IdSetField(forms.TypedMultipleChoiceField):
    """Ticked ids among thousands: each value checked against a set, not the choice list."""

    def valid_value(self, value) -> bool:
        return str(value) in self.allowed

    @property
    def allowed(self) -> set[str]:
        if getattr(self, "_allowed", None) is None:
            self._allowed = {str(k) for k, _ in self.choices}
        return self._allowed


class ChargeRunStartForm(forms.Form):
    """The bookings ticked on the preview list."""

    bookings = IdSetField(
        label="Bookings to charge", coerce=int, choices=(), required=True,
        error_messages={"required": "Choose at least one booking to charge."},
    )  # fmt: skip

    def __init__(self, *args, booking_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["bookings"]
        field.choices = [(str(i), str(i)) for i in booking_ids]
        field._allowed = None
