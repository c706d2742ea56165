"""Portal accounts are created from a contact's or a family's page ("Invite to portal"),
linked to that contact or family only, and see only its bookings."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import emails, services
from bookings import services as booking_services
from core.errors import DomainError
from core.models import AuditEvent
from core.roles import Role
from tests.actions import submit
from tests.bookings.factories import ContactFactory, FamilyFactory, ScheduleFactory

from .helpers import BASE_URL, invitation_email, invitation_path

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour lights 1984"


def _book(actor, student):
    return booking_services.booking_create(
        actor=actor, kind="individual", schedule=ScheduleFactory(), student=student
    )


def _accept(client, user) -> None:
    """Follow the emailed link and choose a password, as the invitee would."""
    opened = client.get(invitation_path(user))
    response = client.post(
        opened["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.login(username=user.username, password=PASSWORD)


def test_contact_page_offers_the_invitation_to_those_who_manage_contacts(
    client, admin_user, team_leader, finance_user
):
    contact = ContactFactory()
    url = reverse("accounts:portal_contact", args=[contact.pk])
    for user, offered in ((admin_user, True), (team_leader, True), (finance_user, False)):
        client.force_login(user)
        page = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
        assert (url in page) is offered, user
        assert client.get(url).status_code == (200 if offered else 403)
    with pytest.raises(PermissionDenied):
        services.portal_invite_contact(actor=finance_user, contact=contact, base_url=BASE_URL)


def test_student_invited_from_the_contact_page_sees_only_own_bookings(client, admin_user):
    me = ContactFactory(email="Kit.Student@Example.test")
    mine = _book(admin_user, me)
    theirs = _book(admin_user, ContactFactory())
    client.force_login(admin_user)
    page = client.get(reverse("accounts:portal_contact", args=[me.pk])).content.decode()
    assert "Invite to portal" in page and "kit.student@example.test" in page.lower()
    response = submit(client, reverse("accounts:portal_contact", args=[me.pk]), {"step": "confirm"})
    assert response.status_code == 302
    me.refresh_from_db()
    user = me.user
    assert user.username == "kit.student@example.test"
    assert list(user.groups.values_list("name", flat=True)) == [Role.STUDENT]
    assert invitation_email(user).template_key == emails.PORTAL_INVITATION
    assert AuditEvent.objects.for_object(me).get().action == "portal.invite"
    assert AuditEvent.objects.for_object(user).get().action == "portal.invite"
    detail = client.get(reverse("contacts:detail", args=[me.pk])).content.decode()
    assert "Invited" in detail and "Send the invitation again" in detail
    login = client.get(reverse("accounts:detail", args=[user.pk])).content.decode()
    assert "Portal account of" in login and reverse("contacts:detail", args=[me.pk]) in login
    assert "Change roles" not in login  # a portal account has no staff roles

    client.logout()
    _accept(client, user)
    home = client.get(reverse("portal:home")).content.decode()
    assert mine.reference in home and theirs.reference not in home
    assert client.get(reverse("portal:booking", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal:booking", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("bookings:detail", args=[mine.pk])).status_code == 403


def test_family_invited_from_the_family_page_sees_its_students_only(client, admin_user):
    family = FamilyFactory(account_email="the.parents@example.test")
    kid = ContactFactory(family=family)
    other_kid = ContactFactory(family=FamilyFactory())
    ours, theirs = _book(admin_user, kid), _book(admin_user, other_kid)
    client.force_login(admin_user)
    page = client.get(reverse("contacts:family_detail", args=[family.pk])).content.decode()
    assert reverse("accounts:portal_family", args=[family.pk]) in page
    submit(client, reverse("accounts:portal_family", args=[family.pk]), {"step": "confirm"})
    family.refresh_from_db()
    user = family.user
    assert user.email == "the.parents@example.test"
    assert family.name in invitation_email(user).body

    client.logout()
    _accept(client, user)
    home = client.get(reverse("portal:home")).content.decode()
    assert ours.reference in home and theirs.reference not in home
    assert client.get(reverse("portal:booking", args=[theirs.pk])).status_code == 404


def test_refusals_are_clear(client, admin_user):
    no_email = ContactFactory(email="")
    client.force_login(admin_user)
    response = submit(
        client, reverse("accounts:portal_contact", args=[no_email.pk]), {"step": "confirm"}
    )
    assert response.status_code == 200
    assert "Add an email address to" in response.content.decode()
    # Someone already logs in with this address (a member of staff here).
    clash = ContactFactory(email=admin_user.email.upper())
    with pytest.raises(DomainError, match="already logs in with"):
        services.portal_invite_contact(actor=admin_user, contact=clash, base_url=BASE_URL)
    assert User.objects.filter(email__iexact=admin_user.email).count() == 1


def test_inviting_again_resends_while_pending_and_refuses_once_in_use(client, admin_user):
    contact = ContactFactory()
    user = services.portal_invite_contact(actor=admin_user, contact=contact, base_url=BASE_URL)
    first = invitation_path(user)
    again = services.portal_invite_contact(actor=admin_user, contact=contact, base_url=BASE_URL)
    assert again.pk == user.pk and invitation_path(user) != first
    assert User.objects.filter(contact=contact).count() == 1
    _accept(client, user)
    contact.refresh_from_db()
    with pytest.raises(DomainError, match="already has a portal login"):
        services.portal_invite_contact(actor=admin_user, contact=contact, base_url=BASE_URL)


def test_team_leader_may_resend_a_portal_invitation_but_not_a_staff_one(admin_user, team_leader):
    portal = services.portal_invite_family(
        actor=team_leader, family=FamilyFactory(), base_url=BASE_URL
    )
    services.user_invitation_resend(actor=team_leader, user=portal, base_url=BASE_URL)
    staff = services.user_invite(
        actor=admin_user,
        first_name="S",
        last_name="T",
        email="staff@example.test",
        roles=[Role.FINANCE],
        base_url=BASE_URL,
    )
    with pytest.raises(PermissionDenied):
        services.user_invitation_resend(actor=team_leader, user=staff, base_url=BASE_URL)
