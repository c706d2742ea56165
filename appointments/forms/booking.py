"""The forms of the appointments pages: the Appointments page's filters, the "Create
Appointment Booking" date, the booking details (SCHEDULE, OTHER, the student), the booking's
status buttons and "Cancel"."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from contacts.models import Contact, Family
from core.forms import (
    DATE_RANGE_MESSAGE,
    EARLIEST_DATE,
    LATEST_DATE,
    BoundedDateField,
    IdChoiceField,
    IdMultipleChoiceField,
    TextAreaField,
)
from core.money import MAX_AMOUNT

from ..models import AppointmentType, PricingSchedule, Seat
from ..states import WEEKDAYS, BookingFrequency, PricingBasis

VIEWS = (("day", "Day"), ("week", "Week"))


class PageFilterForm(forms.Form):
    """The Appointments page's GET form: Day / Week, the date, Staff and Appointment type."""

    view = forms.ChoiceField(label="View", choices=VIEWS, required=False)
    date = BoundedDateField(label="Date", required=False)
    staff = IdChoiceField(
        label="Staff",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="All staff",
    )
    type = IdChoiceField(
        label="Appointment type",
        queryset=AppointmentType.objects.none(),
        required=False,
        empty_label="All types",
    )

    def __init__(self, *args, staff, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["type"].queryset = types


class DialogDateForm(forms.Form):
    """The date in the upper left of "Create Appointment Booking"."""

    date = BoundedDateField(label="Date", required=False)


class DateListField(forms.Field):
    """The ticked dates of "Date Selection" (ISO dates). Whether each is a date of the timeslot
    with an opening is the booking service's question; this only reads them."""

    widget = forms.CheckboxSelectMultiple
    MAX_DATES = 1000

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > self.MAX_DATES:
            raise ValidationError("Too many dates: choose at most 1,000.")
        days = set()
        for raw in values:
            try:
                day = datetime.date.fromisoformat(str(raw).strip())
            except ValueError:
                raise ValidationError("One of the dates is not a date.") from None
            if not EARLIEST_DATE <= day <= LATEST_DATE:
                raise ValidationError(DATE_RANGE_MESSAGE)
            days.add(day)
        return sorted(days)


class BookingDetailsForm(forms.Form):
    """The booking screen after "Select": the student (unless chosen already), SCHEDULE and
    OTHER. `fixed_student`: the student chosen from a family or student page."""

    STUDENT_EXISTING, STUDENT_NEW = "existing", "new"
    STUDENT_FIELDS = (
        "student_mode", "select_student", "first_name", "last_name", "email", "mobile",
        "family_email",
    )  # fmt: skip

    student_mode = forms.ChoiceField(
        label="Student",
        choices=((STUDENT_EXISTING, "Select Student"), (STUDENT_NEW, "Create a New Student")),
        widget=forms.RadioSelect,
        required=False,
    )
    select_student = IdChoiceField(
        label="Select Student",
        queryset=Contact.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That student does not exist: search again."},
    )
    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    email = forms.EmailField(label="Email", max_length=254, required=False)
    mobile = forms.CharField(label="Mobile", max_length=40, required=False)
    family_email = forms.EmailField(
        label="Family (account email, optional)",
        max_length=254,
        required=False,
        help_text="The account email of an existing family to add the new student to.",
    )
    frequency = forms.ChoiceField(
        label="Frequency", choices=BookingFrequency.choices, widget=forms.RadioSelect
    )
    start_date = BoundedDateField(label="Start Date")
    end_date = BoundedDateField(label="End Date (optional)", required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="Day of the Week",
        choices=[(str(n), label) for n, label in WEEKDAYS],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    dates = DateListField(label="Date Selection", required=False)
    pricing_schedule = IdChoiceField(
        label="Override Pricing Schedule",
        queryset=PricingSchedule.objects.none(),
        required=False,
        error_messages={"invalid_choice": "That pricing schedule is no longer offered."},
    )
    new_pricing = forms.BooleanField(label="Create a New Pricing Schedule", required=False)
    new_name = forms.CharField(label="Name", max_length=200, required=False)
    new_basis = forms.ChoiceField(label="Charged", choices=PricingBasis.choices, required=False)
    new_amount = forms.DecimalField(
        label="Amount (net, £)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        required=False,
    )
    new_lessons = forms.IntegerField(
        label="Lessons in the package", min_value=1, max_value=1000, required=False
    )
    new_vat_rate = forms.DecimalField(
        label="VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        initial=Decimal("20"),
    )
    send_email = forms.BooleanField(label="Send Booking Email", required=False)
    notes = TextAreaField(label="Notes", required=False)

    def __init__(self, *args, timeslot, fixed_student=None, email_offered=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeslot = timeslot
        self.fixed_student = fixed_student
        self.fields["pricing_schedule"].queryset = PricingSchedule.objects.filter(
            active=True, for_booking=False
        ).order_by("name", "pk")
        self.fields["pricing_schedule"].empty_label = (
            f"No: {timeslot.effective_pricing}" if timeslot.effective_pricing else "No override"
        )
        days = set(timeslot.weekday_numbers)
        self.fields["weekdays"].choices = [(str(n), label) for n, label in WEEKDAYS if n in days]
        if timeslot.is_one_time:
            del self.fields["weekdays"]
        if fixed_student is not None:
            for name in self.STUDENT_FIELDS:
                del self.fields[name]
        if not email_offered:
            del self.fields["send_email"]

    def clean(self):
        data = super().clean()
        if self.fixed_student is None:
            self._clean_student(data)
        if data.get("new_pricing"):
            if data.get("pricing_schedule"):
                self.add_error(
                    "pricing_schedule",
                    "Choose an override or create a new pricing schedule, not both.",
                )
            for name, message in (
                ("new_name", "Name the new pricing schedule."),
                ("new_basis", "Choose how the new schedule charges."),
                ("new_amount", "Enter the amount."),
                ("new_vat_rate", "Enter the VAT rate (0 for none)."),
            ):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, message)
            package = data.get("new_basis") == PricingBasis.PER_PACKAGE
            if package and not data.get("new_lessons") and "new_lessons" not in self.errors:
                self.add_error("new_lessons", "Enter the number of lessons in the package.")
        shown = "dates" in self.data or self.data.get("dates_shown")
        if shown and not data.get("dates") and "dates" not in self.errors:
            self.add_error("dates", "Tick at least one date.")
        return data

    def _clean_student(self, data) -> None:
        if data.get("student_mode") == self.STUDENT_NEW:
            for name, label in (("first_name", "first name"), ("last_name", "last name")):
                if not (data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, f"Enter the {label}.")
            email = data.get("family_email")
            if email:
                family = Family.objects.filter(account_email__iexact=email).first()
                if family is None:
                    self.add_error("family_email", "No family has this account email.")
                data["family"] = family
        elif not data.get("select_student") and "select_student" not in self.errors:
            self.add_error("select_student", "Select a student, or create a new one.")


class StatusForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput, max_length=20)


class CancelForm(forms.Form):
    ALL, CHOSEN = "all", "chosen"

    which = forms.ChoiceField(
        label="Dates to cancel",
        choices=((ALL, "All remaining dates"), (CHOSEN, "Only the dates ticked below")),
        widget=forms.RadioSelect,
        initial=ALL,
    )
    seats = IdMultipleChoiceField(
        label="Dates",
        queryset=Seat.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, seats, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seats"].queryset = seats
        self.fields["seats"].label_from_instance = lambda s: (
            f"{s.occurrence.date:%a %d %b %Y} {s.occurrence.local_start:%H:%M}"
        )

    def clean(self):
        data = super().clean()
        if (
            data.get("which") == self.CHOSEN
            and not data.get("seats")
            and "seats" not in self.errors
        ):
            self.add_error("seats", "Tick the dates to cancel.")
        return data
