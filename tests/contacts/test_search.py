import pytest
from django.db import connection

from contacts.selectors import contact_search, organisation_search, search_terms

from .factories import ContactFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann():
    ContactFactory(first_name="Bob", last_name="Brown", mobile="07700 900456")
    ContactFactory(first_name="Annabel", last_name="Jones", mobile="07700 900789")
    return ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "07700900123", "+447700900123", "+44 7700 900123", "7700900123",
     "447700900123", "0044 7700 900123", "(07700) 900 123", "900123", "900 123", "07700 900 12"],
)  # fmt: skip
def test_finds_the_contact_by_any_spelling_of_the_mobile(ann, typed):
    assert contact_search(typed) == [ann]


def test_a_partial_number_finds_every_match(ann):
    assert len(contact_search("07700 900")) == 3


@pytest.mark.parametrize("typed", ["Ann Smith", "ann smith", "Smith", "smith ann", "Smi", "ANN S"])
def test_finds_the_contact_by_names(ann, typed):
    assert ann in contact_search(typed)
    assert all(c.last_name != "Brown" for c in contact_search(typed))


def test_first_name_prefix_ranks_first(ann):
    # "ann" is in "Ann" and in "Annabel": both match, the rank then orders by name.
    result = contact_search("ann")
    assert [c.first_name for c in result] == ["Ann", "Annabel"]


def test_name_and_number_together(ann):
    assert contact_search("ann 900123") == [ann]
    assert contact_search("bob 900123") == []


def test_empty_or_too_short_queries_find_nothing(ann):
    assert contact_search("") == []
    assert contact_search("   ") == []
    assert contact_search("07") == []


def test_limit(ann):
    assert len(contact_search("07700", limit=2)) == 2


def test_organisation_restricts_to_members(ann):
    org = OrganisationFactory()
    other = ContactFactory(first_name="Ann", last_name="Other")
    MembershipFactory(organisation=org, contact=other)
    assert contact_search("ann", organisation_id=org.pk) == [other]
    # an empty query inside an organisation lists its members
    assert contact_search("", organisation_id=org.pk) == [other]
    assert contact_search("smith", organisation_id=org.pk) == []


def test_search_terms():
    assert search_terms(" +44 7700 900123 ") == ["7700900123"]
    assert search_terms("Ann  SMITH ann") == ["ann", "smith"]
    assert search_terms("ann 07700") == ["ann", "7700"]


def test_organisation_search():
    acme = OrganisationFactory(name="Acme Widgets Ltd")
    OrganisationFactory(name="Northern Acme Holdings")
    OrganisationFactory(name="Bolt & Co")
    assert organisation_search("acme")[0] == acme  # starts with "acme": first
    assert len(organisation_search("ACME")) == 2
    assert organisation_search("") == []


def test_the_trigram_index_serves_the_search(needs_postgres, ann):
    """The query shape (LIKE on search_text::text) must be able to use the GIN index."""
    from contacts.selectors import contacts_matching

    qs = contacts_matching("smith")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_search_trgm" in plan


def test_the_trigram_index_serves_organisation_search(needs_postgres):
    from contacts.selectors import organisations_matching

    OrganisationFactory(name="Acme Widgets Ltd")
    sql, params = organisations_matching("widget").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "org_name_trgm" in plan


def test_a_complete_number_is_an_exact_match(ann):
    # Same national digits in another country: found by digits, not by the complete UK number.
    french = ContactFactory(first_name="Zoe", last_name="Martin", mobile="+33 7700900123")
    assert contact_search("07700 900123") == [ann]
    assert contact_search("+33 7700 900123") == [french]


def test_one_or_two_letters_match_the_start_of_a_name(ann):
    assert ann in contact_search("an")
    assert ann in contact_search("sm")
    assert contact_search("nn") == []  # inside a name, not at its start
    assert [c.last_name for c in contact_search("b")] == ["Brown"]


def test_short_terms_use_the_prefix_indexes(needs_postgres, ann):
    from contacts.selectors import contacts_matching

    sql, params = contacts_matching("sm").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_search_prefix" in plan and "contact_last_name_prefix" in plan
