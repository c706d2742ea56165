"""core.auth.Backend: a user's own and their groups' permissions, in one query."""

import pytest
from django.contrib.auth.models import Permission

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_own_and_group_permissions_in_one_query(django_assert_num_queries):
    user = make_user("rita.roles", "Finance")
    user.user_permissions.add(Permission.objects.get(codename="manage_schedules"))
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("core.manage_finance")  # from the Finance group
        assert fresh.has_perm("core.manage_schedules")  # given to her alone
        assert not fresh.has_perm("core.manage_bookings")
        assert fresh.has_perm("core.view_finance")


def test_inactive_users_have_no_permission_and_superusers_all():
    inactive = make_user("ivan.inactive", "Admin", is_active=False)
    assert not inactive.has_perm("core.view_bookings")
    boss = make_user("sue.super", None, is_superuser=True)
    assert boss.has_perm("core.backdate_any") and boss.has_perm("auth.add_user")
