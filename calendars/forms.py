from django import forms
from django.contrib.auth import get_user_model

from core.forms import IdChoiceField, IdMultipleChoiceField
from core.roles import Role
from schedules.models import Venue

from .models import Calendar, CalendarKind

REFRESH_CHOICES = [
    ("", "As the calendar asks (else hourly)"),
    ("15", "Every 15 minutes"),
    ("60", "Every hour"),
    ("360", "Every 6 hours"),
    ("1440", "Once a day"),
]


def _staff():
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name__in=(Role.ADMIN, Role.TEAM_LEADER, Role.PROVIDER)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class StaffChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class CalendarForm(forms.Form):
    """An external calendar (add, edit) or a staff / venue calendar's CalDAV push (edit)."""

    kind = forms.ChoiceField(
        label="Type",
        choices=[(CalendarKind.ICS, "ICS address"), (CalendarKind.CALDAV, "CalDAV collection")],
    )
    name = forms.CharField(max_length=200)
    url = forms.URLField(
        label="Address",
        max_length=1000,
        assume_scheme="https",
        help_text="The ICS address (https://… or webcal://…) or the CalDAV collection URL.",
    )
    username = forms.CharField(label="User name", max_length=200, required=False)
    password = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted. Leave blank to keep the stored password.",
    )
    clear_password = forms.BooleanField(label="Remove the stored password", required=False)
    owner = StaffChoiceField(
        label="Staff member", queryset=None, required=False, empty_label="Nobody"
    )
    venue = IdChoiceField(
        label="Venue / room", queryset=Venue.objects.order_by("name"), required=False
    )
    count_transparent = forms.BooleanField(label="Count events marked free as busy", required=False)
    refresh_minutes = forms.TypedChoiceField(
        label="Refresh", choices=REFRESH_CHOICES, required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, calendar: Calendar | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()
        self.fields["owner"].help_text = "Their busy time counts as clashes for their bookings."
        self.fields["venue"].help_text = "Its busy time counts as clashes for bookings there."
        self.calendar = calendar
        if calendar is None:
            del self.fields["clear_password"]
            return
        del self.fields["kind"]
        if calendar.is_own:
            for name in ("owner", "venue", "count_transparent", "refresh_minutes"):
                del self.fields[name]
            self.fields["name"].disabled = True
            self.fields["url"].required = False
            self.fields["url"].label = "CalDAV collection to push to"
            self.fields[
                "url"
            ].help_text = (
                "Optional. Every booking on this calendar is written there (blank: feed only)."
            )
        if not calendar.has_password:
            del self.fields["clear_password"]


class CalendarChoiceForm(forms.Form):
    """The calendar filter: tick the calendars whose events are shown."""

    calendars = IdMultipleChoiceField(
        label="Calendars",
        queryset=Calendar.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user=None, **kwargs):
        from .selectors import calendars_for

        super().__init__(*args, **kwargs)
        self.fields["calendars"].queryset = calendars_for(user)
