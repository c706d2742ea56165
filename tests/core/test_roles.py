import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import ROLE_CAPABILITIES, Role


@pytest.mark.django_db
def test_every_role_exists_with_exactly_its_capabilities():
    for role, caps in ROLE_CAPABILITIES.items():
        group = Group.objects.get(name=role)
        assert set(group.permissions.values_list("codename", flat=True)) == caps


@pytest.mark.django_db
def test_login_page_and_redirect_when_anonymous(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("my_account"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_my_account_shows_role_and_changes_password(client, team_leader):
    client.force_login(team_leader)
    page = client.get(reverse("my_account"))
    assert Role.TEAM_LEADER in page.content.decode()
    response = client.post(
        reverse("my_account"),
        {
            "old_password": "pw",
            "new_password1": "a-long-new-pass-42",
            "new_password2": "a-long-new-pass-42",
        },
    )
    assert response.status_code == 302
    team_leader.refresh_from_db()
    assert team_leader.check_password("a-long-new-pass-42")


@pytest.mark.django_db
def test_menu_follows_role(client, finance_user, provider):
    client.force_login(provider)
    html = client.get(reverse("my_account")).content.decode()
    assert "Invoices" not in html
    client.force_login(finance_user)
    html = client.get(reverse("my_account")).content.decode()
    assert 'aria-label="Main menu"' in html
