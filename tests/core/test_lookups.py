import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, Family


@pytest.mark.django_db
def test_any_lookup_matches_in_on_fields_and_relations():
    family = Family.objects.create(name="Evans", account_email="evans@example.test")
    contacts = [
        Contact.objects.create(
            first_name=f"C{i}", last_name="Test", family=family if i % 2 else None
        )
        for i in range(6)
    ]
    wanted = [contacts[1].pk, contacts[4].pk, 10**9]
    assert set(Contact.objects.filter(pk__any=wanted)) == set(Contact.objects.filter(pk__in=wanted))
    assert set(Contact.objects.filter(family__any=[family.pk])) == {
        c for c in contacts if c.family_id
    }
    assert not Contact.objects.filter(pk__any=[]).exists()


@pytest.mark.django_db
def test_any_lookup_sends_one_array_parameter_on_postgresql(needs_postgres):
    ids = list(range(1, 3001))
    with CaptureQueriesContext(connection) as ctx:
        list(Contact.objects.filter(pk__any=ids))
    sql = ctx.captured_queries[0]["sql"]
    assert "= ANY(" in sql
    assert sql.count(",") < 3000 + 50 and "IN (" not in sql
