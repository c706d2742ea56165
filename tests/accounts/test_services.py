"""Staff user services: every write checks the actor's capability itself, keeps the last
active Admin, refuses to delete anyone with history and records each change in the user's
history."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import emails, selectors, services
from accounts.tokens import invite_token
from core.errors import DomainError
from core.models import AuditEvent
from core.roles import Role
from notifications.models import OutboxMessage
from tests.conftest import make_user
from tests.schedules.factories import ScheduleFactory

from .helpers import BASE_URL, invitation_email

pytestmark = pytest.mark.django_db


def _invite(actor, email="new.person@example.test", roles=(Role.TEAM_LEADER,), **extra):
    return services.user_invite(
        actor=actor,
        first_name=extra.get("first_name", "New"),
        last_name=extra.get("last_name", "Person"),
        email=email,
        roles=list(roles),
        base_url=BASE_URL,
    )


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _history(user) -> list[str]:
    return [e.action for e in AuditEvent.objects.for_object(user).order_by("at", "id")]


def _token_of(user) -> str:
    """The token of the link emailed to `user` (the path's last part)."""
    body = invitation_email(user).body
    return body.split("/invitation/")[1].split("/")[1]


# --- Invite ---------------------------------------------------------------------------------


def test_invite_creates_a_login_without_password_and_queues_the_link(admin_user):
    user = _invite(admin_user, email=" New.Person@Example.TEST ", roles=[Role.FINANCE, Role.ADMIN])
    assert user.username == user.email == "new.person@example.test"
    assert user.is_active and not user.has_usable_password()
    assert _roles(user) == {Role.ADMIN, Role.FINANCE}
    assert _history(user) == ["user.invite"]
    message = invitation_email(user)
    assert message.to == ["new.person@example.test"]
    assert message.template_key == emails.STAFF_INVITATION
    assert "as Admin, Finance" in message.body
    assert invite_token.check_token(user, _token_of(user))


@pytest.mark.parametrize(
    ("email", "roles", "field"),
    [
        ("alice.admin@example.test", [Role.PROVIDER], "email"),  # alice's email already
        ("ALICE.ADMIN@example.test", [Role.PROVIDER], "email"),
        ("not-an-email", [Role.PROVIDER], "email"),
        ("x" * 140 + "@example.test", [Role.PROVIDER], "email"),  # longer than a username
        ("fresh@example.test", [], "roles"),
        ("fresh@example.test", [Role.STUDENT], "roles"),  # portal accounts come from contacts
    ],
)
def test_invite_refuses_with_a_clear_message(admin_user, email, roles, field):
    before = User.objects.count()
    with pytest.raises(DomainError) as refused:
        _invite(admin_user, email=email, roles=roles)
    assert refused.value.field == field
    assert User.objects.count() == before
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("who", ["team_leader", "finance_user", "provider", "nobody"])
def test_only_admins_manage_users_even_when_calling_the_service(request, admin_user, who):
    actor = request.getfixturevalue(who)
    target = make_user("target", Role.PROVIDER)
    calls = [
        lambda: _invite(actor),
        lambda: services.user_roles_change(actor=actor, user=target, roles=[Role.ADMIN]),
        lambda: services.user_deactivate(actor=actor, user=target),
        lambda: services.user_reactivate(actor=actor, user=target),
        lambda: services.user_delete(actor=actor, user=target),
        lambda: services.user_invitation_resend(actor=actor, user=target, base_url=BASE_URL),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert _roles(target) == {Role.PROVIDER} and User.objects.get(pk=target.pk).is_active


def test_an_actor_deactivated_meanwhile_can_no_longer_act(admin_user):
    other = make_user("other.admin", Role.ADMIN)
    stale = User.objects.get(pk=other.pk)
    stale.get_all_permissions()  # permissions cached, as at the start of a request
    services.user_deactivate(actor=admin_user, user=other)
    with pytest.raises(PermissionDenied):
        _invite(stale)


# --- Roles ----------------------------------------------------------------------------------


def test_roles_change_is_recorded_with_before_and_after(admin_user):
    user = make_user("tl", Role.TEAM_LEADER)
    services.user_roles_change(
        actor=admin_user, user=user, roles=[Role.FINANCE, Role.TEAM_LEADER], reason="Covers"
    )
    assert _roles(user) == {Role.TEAM_LEADER, Role.FINANCE}
    (event,) = AuditEvent.objects.for_object(user)
    assert event.actor == admin_user and event.reason == "Covers"
    assert event.data == {"before": [Role.TEAM_LEADER], "after": [Role.TEAM_LEADER, Role.FINANCE]}
    assert "from Team leader to Team leader, Finance" in event.summary


def test_roles_change_refusals(admin_user):
    user = make_user("tl", Role.TEAM_LEADER)
    portal = make_user("fam", Role.STUDENT)
    for target, roles, text in [
        (user, [Role.TEAM_LEADER], "already has exactly these roles"),
        (user, [], "at least one role"),
        (portal, [Role.ADMIN], "portal account has no staff roles"),
        (admin_user, [Role.FINANCE], "cannot remove your own Admin role"),
    ]:
        with pytest.raises(DomainError, match=text):
            services.user_roles_change(actor=admin_user, user=target, roles=roles)
    assert _roles(portal) == {Role.STUDENT} and _roles(admin_user) == {Role.ADMIN}
    assert not AuditEvent.objects.filter(action="user.roles_change").exists()


def test_the_last_active_admin_keeps_the_role_and_stays_active(admin_user):
    # A superuser holds every capability without being an Admin: the rule still holds.
    root = User.objects.create_superuser("root", "root@example.test", "pw")
    with pytest.raises(DomainError, match="last active Admin"):
        services.user_roles_change(actor=root, user=admin_user, roles=[Role.FINANCE])
    with pytest.raises(DomainError, match="last active Admin"):
        services.user_deactivate(actor=root, user=admin_user)
    # With a second active Admin, either change is allowed.
    second = make_user("second.admin", Role.ADMIN)
    services.user_roles_change(actor=root, user=admin_user, roles=[Role.FINANCE])
    with pytest.raises(DomainError, match="last active Admin"):
        services.user_deactivate(actor=root, user=second)
    assert selectors.active_admin_ids() == {second.pk}


def test_an_inactive_admin_does_not_count(admin_user):
    root = User.objects.create_superuser("root", "root@example.test", "pw")
    dormant = make_user("dormant.admin", Role.ADMIN, is_active=False)
    with pytest.raises(DomainError, match="last active Admin"):
        services.user_deactivate(actor=root, user=admin_user)
    assert not User.objects.get(pk=dormant.pk).is_active


# --- Deactivate / reactivate ----------------------------------------------------------------


def test_deactivate_ends_the_login_and_sessions_and_reactivate_restores_it(client, admin_user):
    user = make_user("tl", Role.TEAM_LEADER)
    client.force_login(user)
    assert client.get("/bookings/").status_code == 200
    services.user_deactivate(actor=admin_user, user=user, reason="Left the company")
    assert client.get("/bookings/").status_code == 302  # the open session has ended
    assert not client.login(username="tl", password="pw")
    with pytest.raises(DomainError, match="already deactivated"):
        services.user_deactivate(actor=admin_user, user=user)
    services.user_reactivate(actor=admin_user, user=user)
    assert client.login(username="tl", password="pw")
    assert _history(user) == ["user.deactivate", "user.reactivate"]
    assert AuditEvent.objects.for_object(user).last().reason == "Left the company"


def test_an_admin_cannot_deactivate_or_delete_themselves(admin_user):
    make_user("second.admin", Role.ADMIN)
    with pytest.raises(DomainError, match="cannot deactivate yourself"):
        services.user_deactivate(actor=admin_user, user=admin_user)
    with pytest.raises(DomainError, match="cannot delete yourself"):
        services.user_delete(actor=admin_user, user=admin_user)
    assert User.objects.get(pk=admin_user.pk).is_active


# --- Delete (only an unused login) ----------------------------------------------------------


def test_an_unused_invitation_can_be_deleted(admin_user):
    user = _invite(admin_user)
    pk = user.pk
    assert not selectors.user_has_history(user)
    services.user_delete(actor=admin_user, user=user, reason="Wrong address")
    assert not User.objects.filter(pk=pk).exists()
    deleted = AuditEvent.objects.filter(action="user.delete", target_id=pk).get()
    assert deleted.reason == "Wrong address" and deleted.data["username"] == user.username


@pytest.mark.parametrize("history", ["logged_in", "acted", "trains", "chose_password"])
def test_a_user_with_history_is_never_deleted(admin_user, history):
    user = _invite(admin_user, roles=[Role.PROVIDER])
    if history == "logged_in":
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    elif history == "acted":
        User.objects.filter(pk=user.pk).update(is_superuser=True)
        _invite(User.objects.get(pk=user.pk), email="someone.else@example.test")
    elif history == "trains":
        ScheduleFactory(trainer=user)
    else:
        services.user_invitation_accept(
            actor=None, user=user, token=_token_of(user), password="A long new pass 42"
        )
    assert selectors.user_has_history(user)
    with pytest.raises(DomainError, match="has history, so they cannot be deleted"):
        services.user_delete(actor=admin_user, user=user)
    assert User.objects.filter(pk=user.pk).exists()


# --- The invitation link --------------------------------------------------------------------


def test_the_link_sets_the_password_once(admin_user):
    user = _invite(admin_user)
    token = _token_of(user)
    services.user_invitation_accept(actor=None, user=user, token=token, password="Brand new 77!")
    user.refresh_from_db()
    assert user.check_password("Brand new 77!")
    event = AuditEvent.objects.for_object(user).filter(action="user.invitation_accept").get()
    assert event.actor == user
    with pytest.raises(DomainError, match="expired or has already been used"):
        services.user_invitation_accept(actor=None, user=user, token=token, password="Other 88!!")
    user.refresh_from_db()
    assert user.check_password("Brand new 77!")


def test_the_link_expires_after_the_configured_days(admin_user, settings):
    settings.INVITE_LINK_DAYS = 3
    user = _invite(admin_user)
    token = _token_of(user)
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert invite_token.check_token(user, token)
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
        assert not invite_token.check_token(user, token)
        with pytest.raises(DomainError, match="expired"):
            services.user_invitation_accept(
                actor=None, user=user, token=token, password="x Y 12345"
            )
    settings.INVITE_LINK_DAYS = 10  # longer than Django's PASSWORD_RESET_TIMEOUT (3 days)
    with time_machine.travel(timezone.now() + timedelta(days=9)):
        assert invite_token.check_token(user, token)


def test_sending_again_makes_earlier_links_stop_working(admin_user):
    user = _invite(admin_user)
    first = _token_of(user)
    services.user_invitation_resend(actor=admin_user, user=user, base_url=BASE_URL)
    user.refresh_from_db()
    second = _token_of(user)
    assert first != second
    assert not invite_token.check_token(user, first)
    assert invite_token.check_token(user, second)
    assert OutboxMessage.objects.filter(template_key=emails.STAFF_INVITATION).count() == 2
    assert _history(user) == ["user.invite", "user.invitation_resend"]


def test_no_invitation_for_a_deactivated_user_or_one_with_a_password(admin_user):
    user = _invite(admin_user)
    token = _token_of(user)
    services.user_deactivate(actor=admin_user, user=user)
    with pytest.raises(DomainError, match="expired"):
        services.user_invitation_accept(actor=None, user=user, token=token, password="Q w 98765!")
    with pytest.raises(DomainError, match="deactivated"):
        services.user_invitation_resend(actor=admin_user, user=user, base_url=BASE_URL)
    with pytest.raises(DomainError, match="already chosen a password"):
        services.user_invitation_resend(actor=admin_user, user=admin_user, base_url=BASE_URL)


def test_invitation_and_password_reset_tokens_are_not_interchangeable(admin_user):
    user = _invite(admin_user)
    assert not invite_token.check_token(user, default_token_generator.make_token(user))
    assert not default_token_generator.check_token(user, _token_of(user))


def test_roles_given_are_the_spec_groups(admin_user):
    user = _invite(admin_user, roles=[Role.PROVIDER])
    assert list(user.groups.all()) == [Group.objects.get(name=Role.PROVIDER)]
