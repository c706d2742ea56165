"""Forms of the setup pages: appointment types, pricing schedules, timeslots (labels as the
seed names them: Frequency "One Time" / weekly days, Start Date, End Date)."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from core.forms import BoundedDateField, IdChoiceField
from core.roles import Role
from schedules.forms import fraction, percent, vat_percent_field

from ..models import WEEKDAY_CHOICES, AppointmentType, PricingSchedule, Timeslot
from ..services import KEEP
from ..states import Frequency, PricingBasis

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def offered_pricing():
    return PricingSchedule.objects.filter(active=True, for_booking=False).order_by("name", "pk")


def providers():
    """Staff who give appointments: active users with the Provider role."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.PROVIDER, is_active=True)
        .order_by("first_name", "last_name", "id")
        .distinct()
    )


class StaffChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class PricingChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        per = f"per package of {obj.lessons}" if obj.is_per_package else obj.basis_label.lower()
        return f"{obj.name} (£{obj.amount:,} {per})"


# --- pricing schedules ------------------------------------------------------------------------


class PricingScheduleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    basis = forms.ChoiceField(label="Charged", choices=PricingBasis.choices)
    amount = forms.DecimalField(
        label="Amount (£, net)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
    )
    lessons = forms.IntegerField(
        label="Lessons in the package",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Per package only.",
    )
    vat_percent = vat_percent_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("basis") == PricingBasis.PER_PACKAGE and not cleaned.get("lessons"):
            self.add_error("lessons", "Enter how many lessons the package has.")
        return cleaned

    @classmethod
    def initial_for(cls, schedule: PricingSchedule | None) -> dict:
        if schedule is None:
            return {"vat_percent": Decimal("20"), "basis": PricingBasis.PER_LESSON}
        return {
            "name": schedule.name,
            "basis": schedule.basis,
            "amount": schedule.amount,
            "lessons": schedule.lessons,
            "vat_percent": percent(schedule.vat_rate),
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["vat_rate"] = fraction(data.pop("vat_percent"))
        return data


# --- appointment types ------------------------------------------------------------------------


class AppointmentTypeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=5, max_value=720, initial=30
    )
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=1000,
        initial=1,
        help_text="1 is a private appointment; more is a group appointment.",
    )
    attendees = forms.IntegerField(
        label="Attendees per session",
        min_value=1,
        max_value=50,
        initial=1,
        help_text='For services such as a "2 on 1" session.',
    )
    pricing_schedule = PricingChoiceField(
        label="Default pricing schedule",
        queryset=PricingSchedule.objects.none(),
        required=False,
        empty_label="None",
    )

    def __init__(self, *args, current: AppointmentType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = offered_pricing()
        if current is not None and current.pricing_schedule_id:
            # the type's own schedule stays choosable even if it has been deactivated since
            choices = PricingSchedule.objects.filter(
                pk__in=[*choices.values_list("pk", flat=True), current.pricing_schedule_id]
            ).order_by("name", "pk")
        self.fields["pricing_schedule"].queryset = choices

    @classmethod
    def initial_for(cls, appointment_type: AppointmentType | None) -> dict:
        if appointment_type is None:
            return {}
        return {
            "name": appointment_type.name,
            "duration_minutes": appointment_type.duration_minutes,
            "capacity": appointment_type.capacity,
            "attendees": appointment_type.attendees,
            "pricing_schedule": appointment_type.pricing_schedule_id,
        }


# --- timeslots --------------------------------------------------------------------------------


class TimeslotForm(forms.Form):
    """Add (Admins) or edit a timeslot. Editing keeps the type and the frequency (a new one is
    added instead); a Provider editing their own timeslot does not choose the staff."""

    appointment_type = IdChoiceField(
        label="Appointment type", queryset=AppointmentType.objects.filter(active=True)
    )
    staff = StaffChoiceField(label="Staff", queryset=get_user_model().objects.none())
    frequency = forms.ChoiceField(
        label="Frequency", choices=Frequency.choices, widget=forms.RadioSelect
    )
    weekdays = forms.MultipleChoiceField(
        label="Days of the week",
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly timeslots only.",
    )
    start_date = BoundedDateField(label="Start Date")
    end_date = BoundedDateField(
        label="End Date", required=False, help_text="Optional; One Time timeslots have none."
    )
    start_time = forms.TimeField(label="Start time", widget=TIME_WIDGET)
    end_time = forms.TimeField(
        label="End time",
        widget=TIME_WIDGET,
        required=False,
        help_text="Leave blank for the appointment type's duration.",
    )
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Leave blank for the appointment type's capacity.",
    )
    pricing_schedule = PricingChoiceField(
        label="Pricing schedule",
        queryset=PricingSchedule.objects.none(),
        required=False,
        empty_label="The appointment type's default",
    )
    location = forms.CharField(label="Location", max_length=200, required=False)
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        help_text="Kept in the history of the timeslot and of the bookings it moves.",
    )

    def __init__(self, *args, timeslot: Timeslot | None = None, choose_staff: bool = True, **kw):
        super().__init__(*args, **kw)
        self.timeslot = timeslot
        self.fields["staff"].queryset = providers()
        pricing = offered_pricing()
        if timeslot is not None:
            del self.fields["appointment_type"], self.fields["frequency"]
            self.fields["end_time"].required = self.fields["capacity"].required = True
            self.fields["end_time"].help_text = self.fields["capacity"].help_text = ""
            if timeslot.is_one_time:
                del self.fields["weekdays"], self.fields["end_date"]
                self.fields["start_date"].label = "Date"
            ids = list(pricing.values_list("pk", flat=True))
            if timeslot.pricing_schedule_id:
                ids.append(timeslot.pricing_schedule_id)
            pricing = PricingSchedule.objects.filter(pk__in=ids).order_by("name", "pk")
            staff_ids = [*providers().values_list("pk", flat=True), timeslot.staff_id]
            self.fields["staff"].queryset = (
                get_user_model()
                .objects.filter(pk__in=staff_ids)
                .order_by("first_name", "last_name", "id")
            )
        else:
            del self.fields["reason"]
        if not choose_staff:
            del self.fields["staff"]
        self.fields["pricing_schedule"].queryset = pricing

    @classmethod
    def initial_for(cls, timeslot: Timeslot | None) -> dict:
        if timeslot is None:
            return {"frequency": Frequency.WEEKLY}
        return {
            "staff": timeslot.staff_id,
            "weekdays": [str(d) for d in timeslot.weekday_numbers],
            "start_date": timeslot.start_date,
            "end_date": timeslot.end_date,
            "start_time": timeslot.start_time,
            "end_time": timeslot.end_time,
            "capacity": timeslot.capacity,
            "pricing_schedule": timeslot.pricing_schedule_id,
            "location": timeslot.location,
        }

    def clean(self):
        cleaned = super().clean()
        weekly = (
            not self.timeslot.is_one_time
            if self.timeslot is not None
            else cleaned.get("frequency") == Frequency.WEEKLY
        )
        if weekly and "weekdays" in self.fields and not cleaned.get("weekdays"):
            self.add_error("weekdays", "Choose the days of the week of a weekly timeslot.")
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time must be after the start time (same day).")
        first, last = cleaned.get("start_date"), cleaned.get("end_date")
        if weekly and first and last and last < first:
            self.add_error("end_date", "The End Date is before the Start Date.")
        return cleaned

    def create_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "staff": data["staff"],
            "appointment_type": data["appointment_type"],
            "frequency": data["frequency"],
            "weekdays": [int(d) for d in data.get("weekdays") or ()],
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "start_time": data["start_time"],
            "end_time": data.get("end_time"),
            "capacity": data.get("capacity"),
            "pricing_schedule": data.get("pricing_schedule"),
            "location": data.get("location") or "",
        }

    def update_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "staff": data.get("staff", KEEP),
            "start_date": data["start_date"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "capacity": data["capacity"],
            "pricing_schedule": data.get("pricing_schedule"),
            "location": data.get("location") or "",
            "reason": data.get("reason") or "",
        }
        if "weekdays" in self.fields:
            kwargs["weekdays"] = [int(d) for d in data["weekdays"]]
            kwargs["end_date"] = data.get("end_date")
        return kwargs
