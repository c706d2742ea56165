"""Reads of contacts, organisations and families shared by pages, pickers and other apps.

Search works on `Contact.search_text` ("first last national-mobile-digits", lower case): every
term of the query must be contained in it. On PostgreSQL the trigram GIN index of migration
0002 answers `LIKE '%term%'`; on SQLite the same query is a table scan, fine at demo size.
"""

import re

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from . import phones
from .models import Contact, Family, Membership, Organisation

MAX_QUERY_LENGTH = 100
SHORT_TERM = 3  # trigram length
_PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")


def search_terms(text: str) -> list[str]:
    """The lower-case terms a query is made of.

    A query that looks like a phone number ("07700 900123", "+44 7700 900123") becomes one term,
    its national digits, so it matches however the number was typed; in a mixed query ("ann
    07700") each token with digits is read as (part of) a number.
    """
    text = (text or "").strip().lower()[:MAX_QUERY_LENGTH]
    if not text:
        return []
    if _PHONE_LIKE.match(text):
        digits = phones.search_digits(text)
        return [digits] if digits else []
    terms = []
    for token in text.split():
        if any(ch.isdigit() for ch in token):
            token = phones.search_digits(token) or token
        if token not in terms:
            terms.append(token)
    return terms


def whole_mobile(text: str) -> str:
    """E.164 of a query that is exactly one complete phone number, else ""."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if not text or not _PHONE_LIKE.match(text):
        return ""
    return phones.normalise(text)


def contacts_matching(text: str, *, organisation_id: int | None = None) -> QuerySet[Contact]:
    """Contacts whose name or mobile matches every term; all contacts for an empty query.

    Ordered best first: the whole first name, then the start of the first name, then the start
    of the last name (or of the number), then anywhere; then by name.
    """
    qs = Contact.objects.all()
    if organisation_id is not None:
        qs = qs.filter(memberships__organisation_id=organisation_id)
    mobile = whole_mobile(text)
    if mobile and qs.filter(mobile=mobile).exists():
        # A complete number someone has: btree lookups instead of a trigram scan of every
        # number sharing its digits. (A partial number can look complete, e.g. "07700 900 12";
        # when nobody has it exactly, it is searched as digits below.)
        return qs.filter(mobile=mobile).order_by("last_name", "first_name", "id")
    terms = search_terms(text)
    if not terms and (text or "").strip():
        return qs.none()  # e.g. "07": too short to mean anything
    for term in terms:
        if len(term) < SHORT_TERM:
            # Too short for trigrams: the start of the first or the last name (btree pattern
            # indexes of migration 0004), which is what one or two letters mean anyway.
            qs = qs.filter(Q(search_text__startswith=term) | Q(last_name__istartswith=term))
        else:
            qs = qs.filter(search_text__contains=term)
    if terms:
        first = terms[0]
        qs = qs.annotate(
            rank=Case(
                When(search_text__startswith=f"{first} ", then=Value(0)),
                When(search_text__startswith=first, then=Value(1)),
                When(search_text__contains=f" {first}", then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        ).order_by("rank", "last_name", "first_name", "id")
    return qs


def contact_search(
    text: str, *, organisation_id: int | None = None, limit: int = 20
) -> list[Contact]:
    """Suggestions for the pickers and the live search.

    An empty query suggests nothing, except inside an organisation, where it lists the first
    members (so "Lead booker" shows who can be chosen before anything is typed).
    """
    if not (text or "").strip() and organisation_id is None:
        return []
    return list(contacts_matching(text, organisation_id=organisation_id)[:limit])


def organisations_matching(text: str) -> QuerySet[Organisation]:
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    qs = Organisation.objects.order_by("name", "id")
    if not text:
        return qs
    # `icontains` compiles to UPPER(name) LIKE UPPER('%text%'): the trigram index on upper(name).
    return qs.filter(name__icontains=text).order_by(
        Case(
            When(name__istartswith=text, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "name",
        "id",
    )


def organisation_search(text: str, limit: int = 20) -> list[Organisation]:
    if not (text or "").strip():
        return []
    return list(organisations_matching(text)[:limit])


def organisation_list(text: str = "") -> QuerySet[Organisation]:
    return organisations_matching(text).annotate(member_count=Count("memberships"))


def contact_detail(pk: int) -> Contact:
    """One contact with its family and organisations in a fixed number of queries."""
    return (
        Contact.objects.select_related("family", "user")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            ),
            Prefetch("family__students", queryset=Contact.objects.order_by("first_name", "id")),
        )
        .get(pk=pk)
    )


def organisation_detail(pk: int) -> Organisation:
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("contact").order_by(
                "contact__last_name", "contact__first_name", "contact__id"
            ),
        )
    ).get(pk=pk)


def family_list(text: str = "") -> QuerySet[Family]:
    qs = Family.objects.annotate(student_count=Count("students"))
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(account_email__icontains=text))
    return qs.order_by("name", "id")


def family_detail(pk: int) -> Family:
    return (
        Family.objects.select_related("user")
        .prefetch_related(
            Prefetch("students", queryset=Contact.objects.order_by("first_name", "last_name", "id"))
        )
        .get(pk=pk)
    )


def is_member(*, organisation_id: int, contact_id: int) -> bool:
    """Only members can be an organisation's lead bookers or delegates (SPEC 3)."""
    return Membership.objects.filter(
        organisation_id=organisation_id, contact_id=contact_id
    ).exists()
