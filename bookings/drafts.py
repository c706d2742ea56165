"""The state of the "Create a new booking" form between its HTMX steps.

Read afresh from the form's fields on every request (nothing is kept on the server), so a
double click, the back button or a second tab never leaves a half-made booking behind. It
only gathers and pre-checks the choices for immediate feedback; `services.booking_create`
enforces every rule again when "Book" is pressed.
"""

import uuid

from contacts.models import Contact, Membership, Organisation
from core.web import int_or_none
from schedules.filters import When
from schedules.models import Schedule

from .models import BookingType

MAX_DELEGATES = 200


class Draft:
    """The state of the "Create a new booking" form, read from its fields on every step."""

    def __init__(self, data):
        self.data = data
        self.token = (data.get("token") or "").strip()[:64] or uuid.uuid4().hex
        kind = data.get("kind", "")
        self.kind = kind if kind in (BookingType.INDIVIDUAL, BookingType.GROUP) else ""
        self.when = data.get("when") if data.get("when") in dict(When.CHOICES) else When.DEFAULT
        self.schedule_page = int_or_none(data.get("schedule_page")) or 1
        self.errors: list[str] = []
        self.student = self._contact(data.get("student"))
        self.organisation = None
        org_id = int_or_none(data.get("organisation"))
        if org_id:
            self.organisation = Organisation.objects.filter(pk=org_id).first()
        self.lead_booker = self._contact(data.get("lead_booker"))
        self.pending_delegate = self._contact(data.get("delegate"))
        ids = []
        for raw in data.getlist("delegates")[:MAX_DELEGATES] if hasattr(data, "getlist") else []:
            pk = int_or_none(raw)
            if pk and pk not in ids:
                ids.append(pk)
        found = Contact.objects.in_bulk(ids)
        self.delegates = [found[i] for i in ids if i in found]
        self.schedule = None
        sched_id = int_or_none(data.get("schedule"))
        if sched_id:
            self.schedule = (
                Schedule.objects.select_related("course", "venue").filter(pk=sched_id).first()
            )

    @staticmethod
    def _contact(raw) -> Contact | None:
        pk = int_or_none(raw)
        return Contact.objects.filter(pk=pk).first() if pk else None

    def members(self, contacts) -> set[int]:
        if not self.organisation:
            return set()
        return set(
            Membership.objects.filter(
                organisation=self.organisation, contact__in=[c for c in contacts if c]
            ).values_list("contact_id", flat=True)
        )

    def apply(self, action: str) -> None:
        """One step of the form: the button pressed (or the field changed) says which."""
        if action == "clear_student":
            self.student = None
        elif action == "clear_organisation":
            self.organisation, self.lead_booker, self.delegates = None, None, []
            self.pending_delegate = None
        elif action == "clear_lead_booker":
            self.lead_booker = None
        elif action == "add_delegate":
            self._add_delegate()
        elif action.startswith("remove_delegate:"):
            pk = int_or_none(action.split(":", 1)[1])
            self.delegates = [d for d in self.delegates if d.pk != pk]
        elif action.startswith("select_schedule:"):
            pk = int_or_none(action.split(":", 1)[1])
            schedule = Schedule.objects.select_related("course", "venue").filter(pk=pk).first()
            if schedule is None:
                self.errors.append("That schedule no longer exists.")
            elif schedule.is_full:
                self.errors.append(f"{schedule.code} is full: no places left.")
            else:
                self.schedule = schedule
        elif action == "change_schedule":
            self.schedule = None
        elif action.startswith("schedule_page:"):
            self.schedule_page = int_or_none(action.split(":", 1)[1]) or 1
        # Members only: a lead booker or delegate of another organisation is dropped.
        if self.kind == BookingType.GROUP:
            linked = self.members([self.lead_booker, *self.delegates])
            if self.lead_booker and self.lead_booker.pk not in linked:
                self.errors.append(
                    f"{self.lead_booker.full_name} is not linked to "
                    f"{self.organisation.name if self.organisation else 'the organisation'}."
                )
                self.lead_booker = None
            outsiders = [d for d in self.delegates if d.pk not in linked]
            if outsiders:
                self.delegates = [d for d in self.delegates if d.pk in linked]

    def _add_delegate(self) -> None:
        d = self.pending_delegate
        if d is None:
            self.errors.append("Select a delegate first, then click Add delegate.")
            return
        if not self.organisation or d.pk not in self.members([d]):
            org = self.organisation.name if self.organisation else "the organisation"
            self.errors.append(f"{d.full_name} is not linked to {org}.")
        elif any(x.pk == d.pk for x in self.delegates):
            self.errors.append(f"{d.full_name} is already added.")
        else:
            self.delegates.append(d)
        self.pending_delegate = None

    @property
    def is_individual(self) -> bool:
        return self.kind == BookingType.INDIVIDUAL

    @property
    def is_group(self) -> bool:
        return self.kind == BookingType.GROUP

    @property
    def people(self) -> list[Contact]:
        if self.kind == BookingType.INDIVIDUAL:
            return [self.student] if self.student else []
        if self.kind == BookingType.GROUP:
            return list(self.delegates)
        return []

    @property
    def people_ready(self) -> bool:
        if self.kind == BookingType.GROUP:
            return bool(self.organisation and self.lead_booker and self.delegates)
        return bool(self.people)
