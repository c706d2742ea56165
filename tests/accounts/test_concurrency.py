"""PostgreSQL only: two Admins changing each other at the same moment never leave the
application without an active Admin (the services lock every active Admin first)."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import close_old_connections, connection

from accounts import selectors, services
from core.errors import DomainError
from core.roles import Role
from tests.conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls) -> tuple[int, list[str]]:
    barrier = threading.Barrier(len(calls))
    done, refused = [], []
    lock = threading.Lock()

    def run(call):
        close_old_connections()
        try:
            barrier.wait()
            call()
            with lock:
                done.append(1)
        except DomainError as e:
            with lock:
                refused.append(e.message)
        except Exception as e:  # noqa: BLE001 - any other error fails the test below
            with lock:
                refused.append(f"UNEXPECTED {type(e).__name__}: {e}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return len(done), refused


@pytest.mark.parametrize("action", ["deactivate", "remove_admin_role"])
def test_two_admins_removing_each_other_leave_one(needs_postgres, action):
    roots = [
        User.objects.create_superuser(f"root{i}", f"root{i}@example.test", "pw") for i in (1, 2)
    ]
    admins = [make_user("first.admin", Role.ADMIN), make_user("second.admin", Role.ADMIN)]

    def remove(actor, target):
        if action == "deactivate":
            return lambda: services.user_deactivate(actor=actor, user=target)
        return lambda: services.user_roles_change(actor=actor, user=target, roles=[Role.FINANCE])

    # Superusers act, so neither request is refused for acting on itself: only the rule is.
    done, refused = _race([remove(roots[0], admins[0]), remove(roots[1], admins[1])])
    assert done == 1, refused
    assert len(refused) == 1 and "last active Admin" in refused[0], refused
    assert len(selectors.active_admin_ids()) == 1
