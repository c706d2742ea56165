import pytest

from contacts import services
from contacts.models import Contact, Membership
from core.errors import DomainError
from core.models import AuditEvent

from .factories import ContactFactory, FamilyFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_contact_create_normalises_and_records_history(admin_user):
    contact = services.contact_create(
        actor=admin_user, first_name=" Ann ", last_name="Smith", mobile="+44 7700 900123"
    )
    assert contact.first_name == "Ann"
    assert contact.mobile == "+447700900123"
    event = AuditEvent.objects.for_object(contact).get()
    assert event.action == "contact.create"
    assert event.actor == admin_user


def test_contact_create_refuses_a_bad_mobile(admin_user):
    with pytest.raises(DomainError) as error:
        services.contact_create(actor=admin_user, first_name="A", last_name="B", mobile="12")
    assert error.value.field == "mobile"
    assert not Contact.objects.exists()


def test_contact_create_needs_names(admin_user):
    with pytest.raises(DomainError):
        services.contact_create(actor=admin_user, first_name="  ", last_name="B")


def test_contact_update_records_what_changed(admin_user):
    contact = ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")
    services.contact_update(
        actor=admin_user,
        contact=contact,
        first_name="Ann",
        last_name="Jones",
        email=contact.email,
        mobile="07700900123",
    )
    contact.refresh_from_db()
    assert contact.search_text == "ann jones 7700900123"
    event = AuditEvent.objects.for_object(contact).get()
    assert event.data == {"last_name": ["Smith", "Jones"]}


def test_membership_add_and_remove(admin_user):
    org = OrganisationFactory()
    contact = ContactFactory()
    services.membership_add(actor=admin_user, organisation=org, contact=contact, job_title="HR")
    with pytest.raises(DomainError, match="already a member"):
        services.membership_add(actor=admin_user, organisation=org, contact=contact)
    assert Membership.objects.get().job_title == "HR"
    services.membership_remove(actor=admin_user, organisation=org, contact=contact)
    assert not Membership.objects.exists()
    with pytest.raises(DomainError, match="not a member"):
        services.membership_remove(actor=admin_user, organisation=org, contact=contact)
    assert [e.action for e in AuditEvent.objects.for_object(org).order_by("id")] == [
        "membership.add",
        "membership.remove",
    ]


def test_family_create_with_students(admin_user):
    kids = [ContactFactory(), ContactFactory()]
    family = services.family_create(
        actor=admin_user, name="The Patels", account_email="Patel@Example.test", students=kids
    )
    assert family.account_email == "patel@example.test"
    assert set(family.students.all()) == set(kids)


def test_family_account_email_is_unique_whatever_the_case(admin_user):
    FamilyFactory(account_email="patel@example.test")
    with pytest.raises(DomainError) as error:
        services.family_create(actor=admin_user, name="X", account_email="PATEL@example.test")
    assert error.value.field == "account_email"


def test_a_student_belongs_to_one_family(admin_user):
    first, second = FamilyFactory(), FamilyFactory()
    kid = ContactFactory()
    services.family_student_add(actor=admin_user, family=first, contact=kid)
    with pytest.raises(DomainError, match="another family"):
        services.family_student_add(actor=admin_user, family=second, contact=kid)
    services.family_student_remove(actor=admin_user, family=first, contact=kid)
    kid.refresh_from_db()
    assert kid.family is None


def test_removing_a_member_on_live_bookings_names_the_consequence(admin_user):
    from bookings import services as bookings
    from bookings.models import BookingType
    from tests.bookings.factories import ScheduleFactory

    org = OrganisationFactory(name="Acme Ltd")
    lead, delegate, other = ContactFactory(), ContactFactory(), ContactFactory()
    for person in (lead, delegate, other):
        services.membership_add(actor=admin_user, organisation=org, contact=person)
    booking = bookings.booking_create(
        actor=admin_user,
        kind=BookingType.GROUP,
        schedule=ScheduleFactory(),
        organisation=org,
        lead_booker=lead,
        delegates=[delegate],
    )
    said = services.membership_removal_consequence(organisation=org, contact=lead)
    assert f"lead booker of {booking.reference}" in said and "Acme Ltd" in said
    said = services.membership_removal_consequence(organisation=org, contact=delegate)
    assert f"a delegate on {booking.reference}" in said
    assert services.membership_removal_consequence(organisation=org, contact=other) == ""

    services.membership_remove(actor=admin_user, organisation=org, contact=delegate)
    event = AuditEvent.objects.for_object(org).first()
    assert "still on live bookings" in event.summary
    assert booking.reference in event.data["consequence"]
    bookings.booking_cancel(actor=admin_user, booking=booking, reason="Off")
    assert services.membership_removal_consequence(organisation=org, contact=lead) == ""
