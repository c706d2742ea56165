"""Group appointment invitations, the services (seed 002 way 4, SPEC 8): sending, the 24-hour
single-use link, the family account check, full and private groups, history."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from appointments.models import AppointmentBooking, GroupInvitation, InvitationStatus
from appointments.services import appointment_book, appointment_cancel
from appointments.services.invitations import (
    group_invite_accept,
    group_invite_revoke,
    group_invite_send,
)
from appointments.states import BookingFrequency, BookingSource, Frequency
from contacts.models import Contact
from core.audit import AuditEvent
from core.errors import DomainError

from .factories import AppointmentTypeFactory, ContactFactory, timeslot
from .invitation_helpers import (
    BASE_URL,
    NOW,
    D,
    family_login,
    group_booking,
    invitation_message,
    invite,
    link_path,
)

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def dates(booking):
    return [s.occurrence.date for s in booking.seats.select_related("occurrence")]


def test_send_writes_the_invitation_and_emails_a_link_valid_24_hours(admin_user):
    booking = group_booking(admin_user)
    invitation = invite(admin_user, booking, email="  Thompson@Example.TEST ")
    assert invitation.email == "thompson@example.test"
    assert invitation.student_name == "Mia Thompson"
    assert invitation.expires_at - invitation.created_at == 24 * H
    assert invitation.created_by == admin_user and invitation.status == InvitationStatus.PENDING
    message = invitation_message(invitation)
    assert message.to == ["thompson@example.test"]
    assert "Mia Thompson" in message.body and "valid for 24 hours" in message.body
    path = link_path(invitation)
    assert path == f"/portal/invitations/{invitation.pk}/{invitation.token()}/"
    # The link names the invitation by an HMAC of its nonce, never the nonce itself.
    assert invitation.nonce not in message.body
    assert AuditEvent.objects.for_object(booking).filter(action="appointment.invite").exists()
    assert AuditEvent.objects.for_object(invitation).filter(action="appointment.invite").exists()


def test_accept_books_the_remaining_dates_of_the_group(admin_user):
    booking = group_booking(admin_user)
    invitation = invite(admin_user, booking)
    user, family, (mia,) = family_login("thompsons", email="thompson@example.test")
    with time_machine.travel(NOW + 8 * H, tick=False):  # 17:00: today's lesson has started
        joined = group_invite_accept(user=user, invitation=invitation, student=mia)
    assert joined.student == mia and joined.family == family
    assert joined.timeslot == booking.timeslot and joined.source == BookingSource.INVITATION
    assert joined.is_recurring and joined.end_date == booking.end_date
    assert dates(joined) == [D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25), D(2027, 2, 1)]
    invitation.refresh_from_db()
    assert invitation.accepted_booking == joined and invitation.accepted_by == user
    assert invitation.status == InvitationStatus.ACCEPTED
    for obj in (booking, invitation):
        event = AuditEvent.objects.for_object(obj).get(action="appointment.invite_accept")
        assert joined.reference in event.summary
    (made,) = AuditEvent.objects.for_object(joined)
    assert f"Joined group booking {booking.reference} by invitation" in made.summary


def test_expiry_at_23_59_accepted(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    with time_machine.travel(NOW + 23 * H + 59 * M, tick=False):
        joined = group_invite_accept(user=user, invitation=invitation, student=mia)
    assert dates(joined)[0] == D(2027, 1, 11)


def test_expiry_at_24_01_refused(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    expired = pytest.raises(DomainError, match="expired: the link is valid for 24 hours")
    with time_machine.travel(NOW + 24 * H + M, tick=False), expired:
        group_invite_accept(user=user, invitation=invitation, student=mia)
    assert not AppointmentBooking.objects.filter(student=mia).exists()


def test_a_used_link_is_refused(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, family, (mia, leo) = family_login(
        "thompsons", email="thompson@example.test", students=("Mia Thompson", "Leo Thompson")
    )
    group_invite_accept(user=user, invitation=invitation, student=mia)
    with pytest.raises(DomainError, match="already been used"):
        group_invite_accept(user=user, invitation=invitation, student=leo)
    assert not AppointmentBooking.objects.filter(student=leo).exists()


def test_a_withdrawn_link_is_refused(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    group_invite_revoke(actor=admin_user, invitation=invitation)
    with pytest.raises(DomainError, match="withdrawn"):
        group_invite_accept(user=user, invitation=invitation, student=mia)


def test_the_wrong_family_account_is_refused_with_the_address_to_use(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    other, _, (kid,) = family_login("others", email="others@example.test", students=("Kim Oh",))
    with pytest.raises(DomainError) as refused:
        group_invite_accept(user=other, invitation=invitation, student=kid)
    assert refused.value.message == (
        "This invitation was sent to thompson@example.test; log in with that family account."
    )
    # Nor a staff login, nor a student's own login.
    with pytest.raises(PermissionDenied):
        group_invite_accept(user=admin_user, invitation=invitation, student=kid)
    assert not GroupInvitation.objects.get().accepted_at


def test_the_email_matches_case_insensitively(admin_user):
    invitation = invite(admin_user, group_booking(admin_user), email="thompson@example.test")
    user, _, (mia,) = family_login("thompsons", email="Thompson@Example.test")
    assert group_invite_accept(user=user, invitation=invitation, student=mia)


def test_another_family_s_student_is_refused(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, _ = family_login("thompsons", email="thompson@example.test")
    with pytest.raises(DomainError, match="one of your family's students"):
        group_invite_accept(user=user, invitation=invitation, student=ContactFactory())


def test_a_new_student_named_as_invited_when_the_family_has_none(admin_user):
    invitation = invite(admin_user, group_booking(admin_user), name="Ava Mae Jones")
    user, family, _ = family_login("thompsons", email="thompson@example.test")
    joined = group_invite_accept(user=user, invitation=invitation, student=None)
    new = Contact.objects.get(pk=joined.student_id)
    assert (new.first_name, new.last_name, new.family) == ("Ava Mae", "Jones", family)


def test_no_new_student_when_one_already_has_the_name(admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, _ = family_login("thompsons", email="thompson@example.test")
    with pytest.raises(DomainError, match="Choose the student"):
        group_invite_accept(user=user, invitation=invitation, student=None)


def test_a_full_group_refuses_the_invitation_and_the_join(admin_user):
    booking = group_booking(admin_user, capacity=2)
    invitation = invite(admin_user, booking)
    appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=booking.timeslot,
        frequency=BookingFrequency.RECURRING, start_date=D(2027, 1, 4), end_date=D(2027, 2, 1),
    )  # fmt: skip
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    with pytest.raises(DomainError) as refused:
        group_invite_accept(user=user, invitation=invitation, student=mia)
    assert refused.value.message == "This group appointment is full."
    assert GroupInvitation.objects.get().accepted_at is None
    with pytest.raises(DomainError, match="This group appointment is full."):
        invite(admin_user, booking, email="x@example.test")


def test_full_on_some_dates_names_them(admin_user):
    booking = group_booking(admin_user, capacity=2)
    invitation = invite(admin_user, booking)
    appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=booking.timeslot,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 18),
    )  # fmt: skip
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    with pytest.raises(DomainError, match="full on Mon 18 Jan 2027"):
        group_invite_accept(user=user, invitation=invitation, student=mia)


def test_a_private_timeslot_is_not_a_group(admin_user):
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(capacity=1))
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 11),
    )  # fmt: skip
    with pytest.raises(DomainError, match="Only a group appointment can be shared"):
        invite(admin_user, booking)
    assert not GroupInvitation.objects.exists()


def test_a_cancelled_booking_cannot_invite_nor_be_joined(admin_user):
    booking = group_booking(admin_user)
    invitation = invite(admin_user, booking)
    appointment_cancel(actor=admin_user, booking=booking, reason="moved away")
    with pytest.raises(DomainError, match="is cancelled"):
        invite(admin_user, booking, email="x@example.test")
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    with pytest.raises(DomainError, match="no longer running"):
        group_invite_accept(user=user, invitation=invitation, student=mia)


def test_a_student_already_in_the_group_is_refused(admin_user):
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    booking = group_booking(admin_user, student=mia)
    invitation = invite(admin_user, booking)
    with pytest.raises(DomainError, match="already booked"):
        group_invite_accept(user=user, invitation=invitation, student=mia)
    assert GroupInvitation.objects.get().accepted_at is None


def test_a_one_time_group_is_joined_on_its_date(admin_user):
    kind = AppointmentTypeFactory(capacity=4)
    slot = timeslot(
        admin_user, appointment_type=kind, frequency=Frequency.ONE_TIME, start_date=D(2027, 1, 6)
    )
    booking = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 6),
    )  # fmt: skip
    invitation = invite(admin_user, booking)
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    joined = group_invite_accept(user=user, invitation=invitation, student=mia)
    assert dates(joined) == [D(2027, 1, 6)] and not joined.is_recurring


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("", "Mia Thompson", "Enter the family's account email"),
        ("not-an-email", "Mia Thompson", "not a valid email"),
        ("a@example.test", "Mia", "first and last name"),
        ("a@example.test", "x" * 201, "at most 200"),
    ],
)
def test_send_refuses_bad_input(admin_user, email, name, message):
    booking = group_booking(admin_user)
    with pytest.raises(DomainError, match=message):
        invite(admin_user, booking, email=email, name=name)


def test_only_staff_who_manage_appointments_send_and_withdraw(admin_user, provider, finance_user):
    booking = group_booking(admin_user)
    for who in (provider, finance_user, None):
        with pytest.raises(PermissionDenied):
            group_invite_send(
                actor=who, booking=booking, email="a@example.test", student_name="A B",
                base_url=BASE_URL,
            )  # fmt: skip
    invitation = invite(admin_user, booking)
    with pytest.raises(PermissionDenied):
        group_invite_revoke(actor=provider, invitation=invitation)
    assert GroupInvitation.objects.count() == 1
