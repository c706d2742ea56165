import pytest

from contacts import phones
from contacts.models import Contact


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "+447700900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900-123",
     "+44 (0)7700 900123", "447700900123", "7700900123"],
)  # fmt: skip
def test_every_spelling_normalises_to_e164(typed):
    assert phones.normalise(typed) == "+447700900123"


@pytest.mark.parametrize("typed", ["", "   ", "abc", "07700 9", "12345", "+44 1"])
def test_partial_or_invalid_numbers_are_not_normalised(typed):
    assert phones.normalise(typed) == ""


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("07700 900123", "7700900123"), ("+44 7700 900123", "7700900123"), ("07700 9", "77009"),
     ("900123", "900123"), ("0044 7700", "7700"), ("07", "")],
)  # fmt: skip
def test_search_digits(typed, digits):
    assert phones.search_digits(typed) == digits


@pytest.mark.django_db
def test_contact_save_normalises_mobile_and_fills_search_text():
    contact = Contact.objects.create(first_name="Ann", last_name="Smith", mobile="07700 900123")
    contact.refresh_from_db()
    assert contact.mobile == "+447700900123"
    assert contact.search_text == "ann smith 7700900123"
    assert contact.mobile_display == "07700 900123"
    assert contact.full_name == "Ann Smith"


@pytest.mark.django_db
def test_search_text_follows_a_name_change():
    contact = Contact.objects.create(first_name="Ann", last_name="Smith")
    contact.last_name = "Jones"
    contact.save()
    contact.refresh_from_db()
    assert contact.search_text == "ann jones"


def test_foreign_numbers_keep_their_country():
    assert phones.normalise("+33 6 12 34 56 78") == "+33612345678"
    assert phones.display("+33612345678").startswith("+33")
