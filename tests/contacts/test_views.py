import pytest
from django.urls import reverse

from contacts.models import Contact, Membership, Organisation
from tests.actions import submit

from .factories import ContactFactory, FamilyFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# --- Permissions ---------------------------------------------------------------------------


@pytest.fixture
def some():
    org = OrganisationFactory()
    contact = ContactFactory()
    family = FamilyFactory()
    return {"org": org, "contact": contact, "family": family}


def _view_urls(some):
    return [
        reverse("contacts:list"),
        reverse("contacts:detail", args=[some["contact"].pk]),
        reverse("contacts:organisations"),
        reverse("contacts:organisation_detail", args=[some["org"].pk]),
        reverse("contacts:families"),
        reverse("contacts:family_detail", args=[some["family"].pk]),
        reverse("contacts:pick_contacts") + "?q=a",
        reverse("contacts:pick_organisations") + "?q=a",
    ]


def _manage_urls(some):
    return [
        reverse("contacts:create"),
        reverse("contacts:edit", args=[some["contact"].pk]),
        reverse("contacts:organisation_create"),
        reverse("contacts:organisation_edit", args=[some["org"].pk]),
        reverse("contacts:family_create"),
        reverse("contacts:family_edit", args=[some["family"].pk]),
    ]


def test_anonymous_is_sent_to_login(client, some):
    for url in _view_urls(some) + _manage_urls(some):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["provider", "nobody"])
def test_roles_without_view_contacts_get_403(client, some, role, request):
    client.force_login(request.getfixturevalue(role))
    for url in _view_urls(some) + _manage_urls(some):
        assert client.get(url).status_code == 403, url


def test_finance_sees_but_cannot_edit(client, some, finance_user):
    client.force_login(finance_user)
    for url in _view_urls(some):
        assert client.get(url).status_code == 200, url
    for url in _manage_urls(some):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"first_name": "X", "name": "X"}).status_code == 403, url
    org, contact = some["org"], some["contact"]
    response = client.post(
        reverse("contacts:membership_add", args=[org.pk]), {"contact": contact.pk}
    )
    assert response.status_code == 403
    assert not Membership.objects.exists()


def test_team_leader_can_edit(client, some, team_leader):
    client.force_login(team_leader)
    for url in _manage_urls(some):
        assert client.get(url).status_code == 200, url


def test_edit_buttons_follow_the_role(client, some, finance_user, admin_user):
    url = reverse("contacts:detail", args=[some["contact"].pk])
    client.force_login(finance_user)
    assert "Edit contact" not in client.get(url).content.decode()
    client.force_login(admin_user)
    assert "Edit contact" in client.get(url).content.decode()


# --- List and live search ------------------------------------------------------------------


def test_live_search_by_mobile_returns_the_partial(admin_client):
    ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")
    ContactFactory(first_name="Bob", last_name="Brown", mobile="07700 900456")
    response = admin_client.get(
        reverse("contacts:list"), {"q": "+44 7700 900123"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Ann Smith" in html and "Bob Brown" not in html
    assert response["Vary"].count("HX-Request") == 1


def test_full_page_without_htmx_works_as_a_get_form(admin_client):
    ContactFactory(first_name="Ann", last_name="Smith")
    html = admin_client.get(reverse("contacts:list"), {"q": "smith"}).content.decode()
    assert "<html" in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html
    assert "Ann Smith" in html


def test_history_restore_gets_the_full_page(admin_client):
    response = admin_client.get(
        reverse("contacts:list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_list_pages_and_bad_page_numbers_do_not_fail(admin_client):
    ContactFactory.create_batch(30)
    first = admin_client.get(reverse("contacts:list"))
    assert "Page 1" in first.content.decode() and "page=2" in first.content.decode()
    assert admin_client.get(reverse("contacts:list"), {"page": "2"}).status_code == 200
    assert admin_client.get(reverse("contacts:list"), {"page": "abc"}).status_code == 200
    assert admin_client.get(reverse("contacts:list"), {"page": "999"}).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("contacts:list", lambda n: ContactFactory.create_batch(n, family=FamilyFactory())),
        ("contacts:organisations", lambda n: MembershipFactory.create_batch(n)),
        ("contacts:families", lambda n: [ContactFactory(family=FamilyFactory()) for _ in range(n)]),
    ],
)
def test_list_query_count_does_not_grow(
    admin_client, django_assert_max_num_queries, url_name, make
):
    make(3)
    with django_assert_max_num_queries(6) as few:
        admin_client.get(reverse(url_name))
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse(url_name))


def test_detail_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    family = FamilyFactory()
    contact = ContactFactory(family=family)
    for org in OrganisationFactory.create_batch(2):
        MembershipFactory(organisation=org, contact=contact)
    url = reverse("contacts:detail", args=[contact.pk])
    with django_assert_max_num_queries(8) as few:  # + the appointments panels
        assert admin_client.get(url).status_code == 200
    for org in OrganisationFactory.create_batch(10):
        MembershipFactory(organisation=org, contact=contact)
    ContactFactory.create_batch(5, family=family)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_bad_ids_are_404(admin_client):
    for name in ("contacts:detail", "contacts:organisation_detail", "contacts:family_detail"):
        assert admin_client.get(reverse(name, args=[999999])).status_code == 404


def test_bookings_slot_only_when_bookings_provides_it(admin_client):
    from django.urls import NoReverseMatch

    contact = ContactFactory()
    html = admin_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    try:
        url = reverse("bookings:contact_bookings", args=[contact.pk])
    except NoReverseMatch:
        assert 'hx-trigger="load"' not in html
    else:
        assert f'hx-get="{url}"' in html


# --- Forms ---------------------------------------------------------------------------------


def test_create_contact_with_any_mobile_spelling(admin_client):
    response = submit(
        admin_client,
        reverse("contacts:create"),
        {"first_name": "Ann", "last_name": "Smith", "mobile": "+44 (0)7700 900123"},
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[contact.pk])
    assert contact.mobile == "+447700900123"


def test_bad_contact_input_shows_errors(admin_client):
    response = admin_client.post(
        reverse("contacts:create"),
        {"first_name": "", "last_name": "Smith", "mobile": "123", "email": "nope"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "valid mobile number" in html
    assert "valid email" in html
    assert not Contact.objects.exists()


def test_create_student_for_a_family(admin_client):
    family = FamilyFactory()
    response = submit(
        admin_client,
        reverse("contacts:create") + f"?family={family.pk}",
        {"first_name": "Kid", "last_name": "Patel", "family": family.pk},
    )
    assert response["Location"] == reverse("contacts:family_detail", args=[family.pk])
    assert Contact.objects.get().family == family


def test_edit_contact(admin_client):
    contact = ContactFactory(first_name="Ann", last_name="Smith")
    url = reverse("contacts:edit", args=[contact.pk])
    page = admin_client.get(url).content.decode()
    assert 'value="Ann"' in page
    submit(admin_client, url, {"first_name": "Anne", "last_name": "Smith", "mobile": "07700900999"})
    contact.refresh_from_db()
    assert (contact.first_name, contact.mobile) == ("Anne", "+447700900999")


def test_organisation_create_edit_and_members(admin_client):
    response = submit(
        admin_client,
        reverse("contacts:organisation_create"),
        {"name": "Acme Ltd", "billing_email": "ap@acme.test", "billing_address": "1 Road"},
    )
    org = Organisation.objects.get()
    assert response["Location"] == reverse("contacts:organisation_detail", args=[org.pk])
    contact = ContactFactory(first_name="Ann", last_name="Smith")
    add = reverse("contacts:membership_add", args=[org.pk])
    page = reverse("contacts:organisation_detail", args=[org.pk])
    submit(admin_client, add, {"contact": contact.pk, "job_title": "Buyer"}, page=page)
    assert Membership.objects.get().job_title == "Buyer"
    # again (from the page shown afresh): a clear error, no 500, nothing added
    again = submit(admin_client, add, {"contact": contact.pk}, page=page)
    assert again.status_code == 400
    assert "already a member" in again.content.decode()
    # nothing picked / a bad id
    for bad in ({}, {"contact": "abc"}, {"contact": "999999"}):
        response = admin_client.post(add, bad)
        assert response.status_code == 400
        assert "Choose a contact from the suggestions." in response.content.decode()
    detail = admin_client.get(reverse("contacts:organisation_detail", args=[org.pk]))
    assert "Ann Smith" in detail.content.decode()
    submit(admin_client, reverse("contacts:membership_remove", args=[org.pk, contact.pk]), {})
    assert not Membership.objects.exists()
    submit(
        admin_client,
        reverse("contacts:organisation_edit", args=[org.pk]),
        {"name": "Acme Group Ltd"},
    )
    org.refresh_from_db()
    assert org.name == "Acme Group Ltd"


def test_membership_remove_asks_first_and_names_live_bookings(admin_client, admin_user):
    from bookings import services as bookings
    from bookings.models import BookingType
    from tests.bookings.factories import ScheduleFactory

    membership = MembershipFactory()
    org, lead = membership.organisation, membership.contact
    delegate = MembershipFactory(organisation=org).contact
    booking = bookings.booking_create(
        actor=admin_user,
        kind=BookingType.GROUP,
        schedule=ScheduleFactory(),
        organisation=org,
        lead_booker=lead,
        delegates=[delegate],
    )
    url = reverse("contacts:membership_remove", args=[org.pk, lead.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and Membership.objects.filter(contact=lead).exists()
    assert f"lead booker of {booking.reference}" in html and "Remove member" in html
    fragment = submit(
        admin_client, url, {"reason": "Left the company"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 204 and fragment["HX-Redirect"].endswith(f"/{org.pk}/")
    assert not Membership.objects.filter(contact=lead).exists()
    booking.refresh_from_db()
    assert booking.lead_booker_id == lead.pk  # the booking stays as it was


def test_family_create_and_students(admin_client):
    submit(
        admin_client,
        reverse("contacts:family_create"),
        {"name": "The Patels", "account_email": "p@x.test"},
    )
    family = FamilyFactory._meta.model.objects.get()
    kid = ContactFactory()
    submit(
        admin_client,
        reverse("contacts:family_student_add", args=[family.pk]),
        {"contact": kid.pk},
        page=reverse("contacts:family_detail", args=[family.pk]),
    )
    kid.refresh_from_db()
    assert kid.family == family
    dup = submit(
        admin_client,
        reverse("contacts:family_create"),
        {"name": "Other", "account_email": "P@x.test"},
    )
    assert "Another family already uses this account email." in dup.content.decode()


# --- Picker endpoints ----------------------------------------------------------------------


def test_pick_contacts_returns_buttons(admin_client):
    ann = ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")
    html = admin_client.get(
        reverse("contacts:pick_contacts"), {"q": "7700900123", "name": "student"}
    ).content.decode()
    assert '<ul class="suggestions"' in html
    assert f'data-pick-id="{ann.pk}"' in html
    assert 'data-pick-label="Ann Smith"' in html
    assert "<button" in html and "<html" not in html


def test_pick_contacts_restricted_to_an_organisations_members(admin_client):
    org = OrganisationFactory()
    member = ContactFactory(first_name="Ann", last_name="Member")
    ContactFactory(first_name="Ann", last_name="Outsider")
    MembershipFactory(organisation=org, contact=member)
    url = reverse("contacts:pick_contacts")
    html = admin_client.get(url, {"q": "ann", "organisation": org.pk}).content.decode()
    assert "Ann Member" in html and "Ann Outsider" not in html
    # an empty query inside the organisation lists its members
    assert "Ann Member" in admin_client.get(url, {"organisation": org.pk}).content.decode()
    # an organisation not chosen yet, or garbage, never widens to everyone
    for bad in ("", "abc", "0"):
        html = admin_client.get(url, {"q": "ann", "organisation": bad}).content.decode()
        assert "Ann" not in html
        assert "Choose the organisation first." in html


def test_pick_with_an_empty_query_renders_nothing(admin_client):
    ContactFactory()
    html = admin_client.get(reverse("contacts:pick_contacts"), {"q": ""}).content.decode()
    assert html.strip() == ""


def test_pick_organisations(admin_client):
    acme = OrganisationFactory(name="Acme Ltd")
    html = admin_client.get(reverse("contacts:pick_organisations"), {"q": "acm"}).content.decode()
    assert f'data-pick-id="{acme.pk}"' in html
    html = admin_client.get(reverse("contacts:pick_organisations"), {"q": "zzz"}).content.decode()
    assert "No matching organisations." in html


def test_picker_partial_renders_with_its_parameters():
    from django.template.loader import render_to_string

    html = render_to_string(
        "contacts/_picker.html",
        {"name": "lead_booker", "label": "Lead booker", "organisation_from": "organisation"},
    )
    assert '<label for="picker-lead_booker-q">Lead booker</label>' in html
    assert '<input type="hidden" name="lead_booker" value=""' in html
    assert 'data-organisation-from="organisation"' in html
    assert reverse("contacts:pick_contacts") in html
    assert "js/picker.js" in html
    html = render_to_string(
        "contacts/_picker.html",
        {"name": "organisation", "label": "Organization name", "source": "organisations",
         "value": 5, "value_label": "Acme"},
    )  # fmt: skip
    assert reverse("contacts:pick_organisations") in html
    assert 'value="5"' in html and "Acme" in html


def test_add_member_picker_is_not_restricted_to_the_page_organisation(admin_client):
    org = OrganisationFactory()
    html = admin_client.get(reverse("contacts:organisation_detail", args=[org.pk])).content.decode()
    assert 'hx-vals=\'{"name": "contact"}\'' in html


def test_picker_accepts_an_organisation_object():
    from django.template.loader import render_to_string

    org = OrganisationFactory()
    html = render_to_string(
        "contacts/_picker.html",
        {"name": "delegate", "label": "Select delegate", "organisation": org},
    )
    assert f'"organisation": "{org.pk}"' in html


def test_edit_page_shows_the_date_of_birth_a_date_picker_can_read(admin_client):
    """en-GB renders dates as 01/12/2026, which <input type="date"> drops (blank on edit,
    cleared on save): every date input renders ISO."""
    import datetime

    contact = ContactFactory(date_of_birth=datetime.date(1990, 3, 4))
    html = admin_client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()
    assert 'type="date"' in html and 'value="1990-03-04"' in html
