import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from bookings import services
from core.roles import Role
from tests.bookings.factories import (
    ContactFactory,
    FamilyFactory,
    ScheduleFactory,
    organisation_with_members,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _book(actor, student, schedule=None):
    return services.booking_create(
        actor=actor, kind="individual", schedule=schedule or ScheduleFactory(), student=student
    )


def test_student_sees_only_own_bookings(client, admin_user):
    user = make_user("stu", Role.STUDENT)
    me = ContactFactory(user=user)
    mine = _book(admin_user, me)
    theirs = _book(admin_user, ContactFactory())
    client.force_login(user)
    html = client.get(reverse("portal:home")).content.decode()
    assert mine.reference in html and theirs.reference not in html
    assert client.get(reverse("portal:booking", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal:booking", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:booking", args=[999999])).status_code == 404


def test_family_sees_its_students_bookings_and_group_places(client, admin_user):
    user = make_user("fam", Role.STUDENT)
    family = FamilyFactory(user=user)
    kid = ContactFactory(family=family, first_name="Kit")
    mine = _book(admin_user, kid)
    org, people = organisation_with_members(2)
    from bookings.models import BookingType
    from contacts.models import Membership

    Membership.objects.create(organisation=org, contact=kid)
    grp = services.booking_create(
        actor=admin_user,
        kind=BookingType.GROUP,
        schedule=ScheduleFactory(),
        organisation=org,
        lead_booker=people[0],
        delegates=[people[1], kid],
    )
    client.force_login(user)
    html = client.get(reverse("portal:home")).content.decode()
    assert mine.reference in html and grp.reference in html
    detail = client.get(reverse("portal:booking", args=[grp.pk])).content.decode()
    assert "Kit" in detail and people[1].full_name not in detail  # never other delegates


def test_back_office_user_without_portal_access_is_refused(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("portal:home")).status_code == 403


def test_portal_user_cannot_open_back_office_booking(client, admin_user):
    user = make_user("stu2", Role.STUDENT)
    me = ContactFactory(user=user)
    mine = _book(admin_user, me)
    client.force_login(user)
    assert client.get(reverse("bookings:detail", args=[mine.pk])).status_code == 403
    assert Group.objects.get(name=Role.STUDENT) in user.groups.all()
