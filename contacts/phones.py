"""Mobile numbers: stored normalised (E.164) and searchable by any common spelling."""

import re

import phonenumbers
from django.conf import settings

_DIGITS = re.compile(r"\D+")


def normalise(raw: str) -> str:
    """Return E.164 ("+447700900123") or "" when the text is not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    # Numbers possible only as local dialling (e.g. "07700 9" read as a 6-digit local number)
    # are partial input, not a mobile we could ever text.
    if (
        phonenumbers.is_possible_number_with_reason(number)
        != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    if number.country_code == phonenumbers.country_code_for_region(settings.PHONE_DEFAULT_REGION):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def search_digits(text: str) -> str:
    """The national significant digits of a (possibly partial) number typed in a search box.

    "07700 900123", "+44 7700 900123", "447700900123" and "7700900123" all give "7700900123";
    a partial "07700 9" gives "77009". Returns "" when the text holds fewer than 3 digits.
    """
    digits = _DIGITS.sub("", text or "")
    if len(digits) < 3:
        return ""
    full = normalise(text)
    if full:
        return str(phonenumbers.parse(full, None).national_number)
    cc = str(phonenumbers.country_code_for_region(settings.PHONE_DEFAULT_REGION))
    if text.strip().startswith(("+", "00")):
        digits = digits.removeprefix("00").removeprefix(cc)
    elif digits.startswith("0"):
        digits = digits[1:]
    return digits
