"""Demo data of group appointment invitations: a weekly group lesson with one student of a
family without a portal login booked; the Thompson family (the "family" demo login) joined
it by one invitation and has another waiting, so the portal shows both."""

import datetime

from django.contrib.auth.models import User

from contacts.models import Contact, Family

from ..models import AppointmentType, GroupInvitation, PricingSchedule
from ..recurrence import local_today
from ..services import appointment_book, timeslot_create
from ..services.invitations import group_invite_accept, group_invite_send
from ..states import BookingFrequency, Frequency, PricingBasis

# `make run` serves here; the demo's invitation email links to it.
DEMO_SITE = "http://127.0.0.1:8000/"


def seed_invitations(*, stdout=None) -> dict[str, int]:
    admin = User.objects.filter(username="admin").first()
    staff = User.objects.filter(username="trainer3").first() or admin
    invited = Family.objects.filter(user__username="family").first()
    host = Family.objects.filter(user__isnull=True, students__isnull=False).order_by("pk").first()
    if admin is None or invited is None or host is None or GroupInvitation.objects.exists():
        return {}
    pricing = PricingSchedule.objects.create(
        name="Group lesson (per lesson)",
        basis=PricingBasis.PER_LESSON,
        amount="12.00",
        vat_rate="0.2000",
    )
    kind = AppointmentType.objects.create(
        name="Group piano (60 min)", duration_minutes=60, capacity=4, pricing_schedule=pricing
    )
    today = local_today()
    slot = timeslot_create(
        actor=admin,
        staff=staff,
        appointment_type=kind,
        frequency=Frequency.WEEKLY,
        weekdays=[today.weekday()],
        start_date=today,
        start_time=datetime.time(17, 0),
        location="Room 2",
    )
    student = Contact.objects.filter(family=host).order_by("pk").first()
    booking = appointment_book(
        actor=admin,
        student=student,
        timeslot=slot,
        frequency=BookingFrequency.RECURRING,
        start_date=today + datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=90),
    )
    kids = list(Contact.objects.filter(family=invited).order_by("pk")[:2])
    surname = kids[0].last_name if kids else "Thompson"
    names = [f"{k.first_name} {k.last_name}" for k in kids] + [f"Sam {surname}"] * 2

    def send(name: str):
        return group_invite_send(
            actor=admin,
            booking=booking,
            email=invited.account_email,
            student_name=name,
            base_url=DEMO_SITE,
        )

    # One invitation the Thompsons accepted (their portal lists the booking it made) ...
    first = send(names[0])
    group_invite_accept(user=invited.user, invitation=first, student=kids[0] if kids else None)
    # ... and one still waiting for them.
    send(names[1])
    return {"group invitations": 2}
