"""What the invitation tests share: a group booking, family logins, the link from the outbox."""

import datetime
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from appointments.models import GroupInvitation
from appointments.services import appointment_book
from appointments.services.invitations import group_invite_send
from appointments.states import BookingFrequency
from core.roles import Role
from notifications.models import OutboxMessage
from tests.conftest import make_user

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, timeslot

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday morning
D = datetime.date
BASE_URL = "http://testserver/"
LINK = re.compile(r"https?://\S+/portal/invitations/\d+/[0-9a-f]+/")


FEB_1 = D(2027, 2, 1)


def group_booking(actor, *, capacity=3, end_date=FEB_1, student=None, **slot):
    """A Mondays 16:00 group timeslot and a recurring booking of one student from 4 Jan to
    1 Feb 2027 (5 dates)."""
    kind = AppointmentTypeFactory(capacity=capacity, name=f"Group piano {capacity}")
    ts = timeslot(actor, appointment_type=kind, capacity=capacity, **slot)
    return appointment_book(
        actor=actor,
        student=student or ContactFactory(family=FamilyFactory()),
        timeslot=ts,
        frequency=BookingFrequency.RECURRING,
        start_date=D(2027, 1, 4),
        end_date=end_date,
    )


def family_login(username: str, *, email: str, students=("Mia Thompson",)):
    """A family with a portal login and its students."""
    user = make_user(username, Role.STUDENT)
    family = FamilyFactory(user=user, account_email=email)
    kids = []
    for name in students:
        first, last = name.split(" ")
        kids.append(ContactFactory(family=family, first_name=first, last_name=last))
    return user, family, kids


def invite(actor, booking, *, email="thompson@example.test", name="Mia Thompson"):
    return group_invite_send(
        actor=actor, booking=booking, email=email, student_name=name, base_url=BASE_URL
    )


def invitation_message(invitation: GroupInvitation) -> OutboxMessage:
    messages = OutboxMessage.objects.filter(template_key="group_appointment_invitation")
    return next(m for m in messages.order_by("-pk") if invitation.email in m.to)


def link_path(invitation: GroupInvitation) -> str:
    """The path of the link in the invitation's email, as the family's mail client shows it."""
    (link,) = LINK.findall(invitation_message(invitation).body)
    return urlsplit(link).path
