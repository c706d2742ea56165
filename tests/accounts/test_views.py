"""The Users page and the user page, through the real views: the list and its filters, the
invitation round trip (invite -> email -> set-password page -> log in), and the
confirm-style actions."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.tokens import uid_encode
from core.roles import Role
from notifications.models import OutboxMessage
from tests.actions import submit
from tests.conftest import make_user

from .helpers import BASE_URL, invitation_email, invitation_path

pytestmark = pytest.mark.django_db


def _menu(client) -> str:
    return client.get(reverse("my_account")).content.decode()


def test_users_menu_only_for_admins(client, admin_user, team_leader, finance_user, provider):
    client.force_login(admin_user)
    assert 'href="/users/"' in _menu(client)
    for user in (team_leader, finance_user, provider):
        client.force_login(user)
        assert 'href="/users/"' not in _menu(client)
        assert client.get(reverse("accounts:list")).status_code == 403


# --- The list -------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "tl": make_user("terry", Role.TEAM_LEADER, first_name="Terry", last_name="Lead"),
        "fin": make_user("fay", Role.FINANCE, first_name="Fay", last_name="Money"),
        "gone": make_user(
            "gus", Role.PROVIDER, first_name="Gus", last_name="Gone", is_active=False
        ),
        "portal": make_user("pam", Role.STUDENT, first_name="Pam", last_name="Portal"),
    }


def _names(client, query="") -> set[str]:
    response = client.get(reverse("accounts:list") + query)
    assert response.status_code == 200
    page = response.context["page"]
    return {u.username for u in page.object_list}


def test_list_shows_staff_and_filters_by_role_active_and_search(admin_client, people):
    assert _names(admin_client) == {"alice.admin", "terry", "fay", "gus"}  # no portal account
    assert _names(admin_client, "?role=Finance") == {"fay"}
    assert _names(admin_client, "?role=portal") == {"pam"}
    assert _names(admin_client, "?active=no") == {"gus"}
    assert _names(admin_client, "?active=yes&role=Provider") == set()
    assert _names(admin_client, "?q=terry+lead") == {"terry"}
    assert _names(admin_client, "?q=FAY%40example") == {"fay"}  # by email
    assert _names(admin_client, "?role=bogus&active=maybe") == {
        "alice.admin",
        "terry",
        "fay",
        "gus",
    }
    html = admin_client.get(reverse("accounts:list")).content.decode()
    for text in ("Terry Lead", "terry@example.test", "Team leader", "Deactivated", "Never"):
        assert text in html


def test_list_answers_htmx_with_the_results_only(admin_client, people):
    response = admin_client.get(reverse("accounts:list") + "?q=fay", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Fay Money" in html and "<h1>" not in html
    assert "HX-Request" in response["Vary"]


def test_list_query_count_does_not_grow_with_users(admin_client, django_assert_max_num_queries):
    for i in range(3):
        make_user(f"few{i}", Role.PROVIDER)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("accounts:list"))
    for i in range(30):
        make_user(f"many{i}", Role.FINANCE if i % 2 else Role.TEAM_LEADER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("accounts:list"))


def test_detail_query_count_is_constant(admin_client, django_assert_max_num_queries):
    user = make_user("tl", Role.TEAM_LEADER)
    url = reverse("accounts:detail", args=[user.pk])
    with django_assert_max_num_queries(14) as few:
        admin_client.get(url)
    admin = User.objects.get(username="alice.admin")
    for role in (Role.FINANCE, Role.PROVIDER, Role.TEAM_LEADER):
        services.user_roles_change(actor=admin, user=user, roles=[role])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


# --- Invite and the set-password page -------------------------------------------------------


def test_invitation_round_trip(client, admin_client):
    response = submit(
        admin_client,
        reverse("accounts:invite"),
        {
            "first_name": "Priya",
            "last_name": "Shah",
            "email": "Priya.Shah@Example.test",
            "roles": [Role.PROVIDER, Role.FINANCE],
        },
    )
    user = User.objects.get(username="priya.shah@example.test")
    assert response.status_code == 302 and response["Location"] == f"/users/{user.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Invitation sent to priya.shah@example.test" in page
    assert "Invited, no password chosen yet" in page and "Send invitation again" in page
    assert invitation_email(user).subject in page  # the Emails section lists the invitation
    assert "Delete user" in page  # nothing refers to this login yet

    admin_client.logout()
    path = invitation_path(user)
    opened = client.get(path)
    # The token moves into the session, so it never leaks in a Referer header.
    assert opened.status_code == 302 and opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert "Choose your password" in form.content.decode()
    weak = client.post(opened["Location"], {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = client.post(
        opened["Location"],
        {"new_password1": "Sunny meadow 2026", "new_password2": "Sunny meadow 2026"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert client.login(username="priya.shah@example.test", password="Sunny meadow 2026")
    client.logout()
    again = client.get(path, follow=True).content.decode()
    assert "Invitation link not valid" in again  # used once


def test_invite_form_shows_refusals_on_their_fields(admin_client, team_leader):
    response = submit(
        admin_client,
        reverse("accounts:invite"),
        {"first_name": "T", "last_name": "L", "email": team_leader.email, "roles": [Role.ADMIN]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already logs in with" in form.errors["email"][0]
    response = submit(
        admin_client,
        reverse("accounts:invite"),
        {"first_name": "T", "last_name": "L", "email": "a@b.test"},
    )
    assert response.context["form"].errors["roles"] == ["Choose at least one role."]


def test_a_tampered_or_foreign_link_shows_the_invalid_page(client, admin_user):
    user = services.user_invite(
        actor=admin_user,
        first_name="A",
        last_name="B",
        email="ab@example.test",
        roles=[Role.FINANCE],
        base_url=BASE_URL,
    )
    path = invitation_path(user)
    uid, token = path.strip("/").split("/")[1:]
    other = make_user("other", Role.FINANCE)

    for bad in (
        f"/invitation/{uid}/{token[:-1]}x/",
        f"/invitation/{uid_encode(other)}/{token}/",
        f"/invitation/{uid}/set-password/",  # no token in this session
        "/invitation/%F0%9F%92%A9/abc/",
    ):
        response = client.get(bad)
        assert (
            response.status_code == 200 and "Invitation link not valid" in response.content.decode()
        )


def test_outbox_never_shows_the_link(client, admin_user, team_leader):
    user = services.user_invite(
        actor=admin_user,
        first_name="A",
        last_name="B",
        email="ab@example.test",
        roles=[Role.ADMIN],
        base_url=BASE_URL,
    )
    message = invitation_email(user)
    client.force_login(team_leader)  # sees the Outbox, must not be able to become an Admin
    html = client.get(reverse("notifications:outbox_detail", args=[message.pk])).content.decode()
    assert "/invitation/" not in html and "set-password link" in html
    other = OutboxMessage.objects.create(to=["x@example.test"], subject="s", body="Plain body")
    html = client.get(reverse("notifications:outbox_detail", args=[other.pk])).content.decode()
    assert "Plain body" in html


# --- Actions --------------------------------------------------------------------------------


def test_change_roles_through_the_action_page(admin_client):
    user = make_user("tl", Role.TEAM_LEADER)
    url = reverse("accounts:roles", args=[user.pk])
    page = admin_client.get(url).content.decode()
    assert "<legend>Roles</legend>" in page  # the checkboxes are a named group
    assert re.search(r'value="Team leader" id="id_roles_\d" checked', page)
    assert not re.search(r'value="Admin" id="id_roles_\d" checked', page)
    response = submit(
        admin_client, url, {"step": "confirm", "roles": [Role.FINANCE], "reason": "Moved team"}
    )
    assert response.status_code == 302
    assert list(user.groups.values_list("name", flat=True)) == [Role.FINANCE]
    detail = admin_client.get(response["Location"]).content.decode()
    assert "Roles changed from Team leader to Finance" in detail and "Moved team" in detail


def test_deactivate_and_reactivate_through_the_action_pages(admin_client, admin_user):
    user = make_user("tl", Role.TEAM_LEADER)
    response = submit(
        admin_client,
        reverse("accounts:deactivate", args=[user.pk]),
        {"step": "confirm", "reason": "Left"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    detail = admin_client.get(response["Location"]).content.decode()
    assert "Deactivated" in detail and "Reactivate" in detail
    submit(admin_client, reverse("accounts:reactivate", args=[user.pk]), {"step": "confirm"})
    user.refresh_from_db()
    assert user.is_active
    # Deactivating oneself is refused on the form, with the reason why.
    response = submit(
        admin_client, reverse("accounts:deactivate", args=[admin_user.pk]), {"step": "confirm"}
    )
    assert response.status_code == 200 and "cannot deactivate yourself" in response.content.decode()
    own = admin_client.get(reverse("accounts:detail", args=[admin_user.pk])).content.decode()
    assert "Deactivate" not in own.split('<h2 id="user-heading">')[1].split("</section>")[0]


def test_no_delete_is_offered_for_a_user_with_history(admin_client, admin_user):
    user = make_user("tl", Role.TEAM_LEADER)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    detail = admin_client.get(reverse("accounts:detail", args=[user.pk])).content.decode()
    assert "Delete user" not in detail and "has history" in detail
    response = admin_client.get(reverse("accounts:delete", args=[user.pk]))
    assert response.status_code == 302
    admin_client.post(reverse("accounts:delete", args=[user.pk]), {"step": "confirm"})
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_an_unused_invitation(admin_client, admin_user):
    user = services.user_invite(
        actor=admin_user,
        first_name="Wrong",
        last_name="Address",
        email="typo@exampel.test",
        roles=[Role.FINANCE],
        base_url=BASE_URL,
    )
    response = submit(
        admin_client,
        reverse("accounts:delete", args=[user.pk]),
        {"step": "confirm", "reason": "Typo"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert not User.objects.filter(pk=user.pk).exists()


def test_resend_through_the_action_page(admin_client, admin_user):
    user = services.user_invite(
        actor=admin_user,
        first_name="A",
        last_name="B",
        email="ab@example.test",
        roles=[Role.FINANCE],
        base_url=BASE_URL,
    )
    first = invitation_path(user)
    response = submit(admin_client, reverse("accounts:resend", args=[user.pk]), {"step": "confirm"})
    assert response.status_code == 302
    assert invitation_path(user) != first
    assert OutboxMessage.objects.count() == 2
