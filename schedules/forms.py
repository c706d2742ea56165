from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from core.forms import BoundedDateField, BoundedDateTimeField, IdChoiceField, TextAreaField
from core.roles import Role

from .models import Course, Schedule, Venue

HUNDRED = Decimal("100")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def vat_percent_field(required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label="VAT rate (%)",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
        required=required,
        help_text=help_text,
    )


def percent(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (rate * HUNDRED).normalize()


def fraction(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value / HUNDRED).quantize(Decimal("0.0001"))


class CourseForm(forms.Form):
    code = forms.CharField(label="Course code", max_length=20)
    title = forms.CharField(label="Title", max_length=200)
    default_price = forms.DecimalField(
        label="Default price (£, net per delegate)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    vat_percent = vat_percent_field()
    description = TextAreaField(label="Description", required=False)

    @classmethod
    def initial_for(cls, course: Course | None) -> dict:
        if course is None:
            return {"vat_percent": Decimal("20")}
        return {
            "code": course.code,
            "title": course.title,
            "default_price": course.default_price,
            "vat_percent": percent(course.vat_rate),
            "description": course.description,
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["vat_rate"] = fraction(data.pop("vat_percent"))
        return data


def trainers():
    return (
        get_user_model()
        .objects.filter(groups__name=Role.PROVIDER, is_active=True)
        .order_by("first_name", "last_name", "id")
        .distinct()
    )


class TrainerChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class ScheduleForm(forms.Form):
    course = IdChoiceField(label="Course", queryset=Course.objects.order_by("title"))
    code = forms.CharField(
        label="Schedule ID",
        max_length=20,
        required=False,
        help_text="Leave blank to generate one from the course code and start date.",
    )
    start_at = BoundedDateTimeField(
        label="Start",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    end_at = BoundedDateTimeField(
        label="End",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    venue = IdChoiceField(label="Venue", queryset=Venue.objects.order_by("name"), required=False)
    trainer = TrainerChoiceField(label="Trainer", queryset=trainers(), required=False)
    capacity = forms.IntegerField(label="Capacity", min_value=1, max_value=10000)
    price = forms.DecimalField(
        label="Price (£, net per delegate)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Leave blank to use the course's default price.",
    )
    vat_percent = vat_percent_field(
        required=False, help_text="Leave blank to use the course's VAT rate."
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers()
        if editing:
            # The course of an existing schedule does not change (its bookings are for it).
            del self.fields["course"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_at"), cleaned.get("end_at")
        if start and end and end <= start:
            self.add_error("end_at", "The schedule must end after it starts.")
        return cleaned

    @classmethod
    def initial_for(cls, schedule: Schedule) -> dict:
        return {
            "code": schedule.code,
            "start_at": schedule.start_at,
            "end_at": schedule.end_at,
            "venue": schedule.venue_id,
            "trainer": schedule.trainer_id,
            "capacity": schedule.capacity,
            "price": schedule.price,
            "vat_percent": percent(schedule.vat_rate),
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["vat_rate"] = fraction(data.pop("vat_percent"))
        return data


class SessionForm(forms.Form):
    date = BoundedDateField(label="Date")
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="End time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The session must end after it starts.")
        return cleaned
