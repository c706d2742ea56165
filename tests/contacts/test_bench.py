"""The bench generator writes what the models would write, and the contacts and schedules
bench cases answer."""

import random
from datetime import UTC, datetime

import pytest

from contacts.models import Contact
from contacts.selectors import contact_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_bench(needs_postgres):
    from bench import generate
    from bench.common import Context

    ctx = Context(rng=random.Random(1), scale=0.002, now=datetime.now(UTC), log=lambda m: None)
    _staff, trainers = generate.make_users(ctx)
    generate.make_contacts(ctx)
    generate.make_organisations(ctx)
    generate.make_families(ctx)
    generate.make_schedules(ctx, trainers)
    return ctx


def test_generated_contacts_match_what_save_writes(small_bench):
    contacts = list(Contact.objects.all()[:50])
    assert len(contacts) == 50
    for contact in contacts:
        stored = contact.search_text
        contact.refresh_search_text()
        assert contact.search_text == stored
    assert [c.full_name for c in contact_search("07700 900123")] == ["Ann Smith"]


def test_every_bench_case_answers(small_bench, client):
    from django.contrib.auth.models import Group, User

    from bench import cases_contacts, cases_schedules

    clients = {}
    # Only this app's cases: other apps' cases need their own generated data.
    for case in cases_contacts.CASES + cases_schedules.CASES:
        if case.user_role not in clients:
            user = User.objects.filter(groups__name=case.user_role).first() or User.objects.create(
                username=f"case.{case.user_role}"
            )
            user.groups.add(Group.objects.get(name=case.user_role))
            client.force_login(user)
            clients[case.user_role] = user
        client.force_login(clients[case.user_role])
        headers = {"HX-Request": "true"} if case.htmx else {}
        response = client.get(case.url_for(0), headers=headers)
        assert response.status_code == 200, case.name
