"""Group appointment invitations, the pages: the booking's "Group" section and "Send Invite"
(office), the link page, "Create an account", "Join" and the portal lists (family), with
permissions by direct POST and isolation between families."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from appointments.models import AppointmentBooking, GroupInvitation
from appointments.services import appointment_book
from contacts.models import Family
from core.roles import Role
from notifications.models import OutboxMessage
from tests.accounts.helpers import invitation_path
from tests.actions import HX, form_token, submit
from tests.conftest import make_user

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, timeslot
from .invitation_helpers import NOW, D, family_login, group_booking, invite, link_path

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def send_url(booking):
    return reverse("appointments:invite_send", args=[booking.pk])


def send(client, booking, data, **extra):
    """Post "Send Invite" with the token of its form (the page also has "Withdraw" forms)."""
    url = send_url(booking)
    return submit(client, url, data, page=url, **extra)


# --- The office: the Group section and Send Invite ---------------------------------------------


def test_send_invite_from_the_group_section(admin_client, admin_user):
    booking = group_booking(admin_user)
    page = admin_client.get(send_url(booking)).content.decode()
    assert ">Group</h2>" in page and "Send Invite" in page and "No invitations sent yet" in page
    response = send(
        admin_client,
        booking,
        {"email": "thompson@example.test", "student_name": "Mia Thompson"},
    )
    assert response.status_code == 302 and response.url == send_url(booking)
    invitation = GroupInvitation.objects.get()
    assert invitation.booking == booking and invitation.email == "thompson@example.test"
    # The link's host is the request's (as accounts' invitations).
    assert (
        f"http://testserver/portal/invitations/{invitation.pk}/"
        in OutboxMessage.objects.get(template_key="group_appointment_invitation").body
    )
    page = admin_client.get(send_url(booking)).content.decode()
    assert "thompson@example.test" in page and "Mia Thompson" in page and "Pending" in page


def test_send_invite_is_one_time(admin_client, admin_user):
    booking = group_booking(admin_user)
    data = {"email": "thompson@example.test", "student_name": "Mia Thompson"}
    token = form_token(admin_client, send_url(booking))
    for _ in range(2):
        admin_client.post(send_url(booking), {**data, "form_token": token})
    assert GroupInvitation.objects.count() == 1


def test_the_panel_returns_to_the_page_it_was_shown_on(admin_client, admin_user):
    booking = group_booking(admin_user)
    response = send(
        admin_client,
        booking,
        {"email": "a@example.test", "student_name": "A B", "back": "/appointments/"},
    )
    assert response.url == "/appointments/"
    token_page = admin_client.get(send_url(booking))
    assert token_page.status_code == 200
    response = send(
        admin_client,
        booking,
        {"email": "b@example.test", "student_name": "B C", "back": "https://evil.example/"},
    )
    assert response.url == send_url(booking)


def test_a_refusal_shows_on_the_form_and_htmx_gets_the_section(admin_client, admin_user):
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(capacity=1))
    private = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot,
        frequency="non_recurring", start_date=D(2027, 1, 11),
    )  # fmt: skip
    page = admin_client.get(send_url(private)).content.decode()
    assert "only a group appointment can be shared" in page and "Send Invite" not in page
    booking = group_booking(admin_user)
    response = send(admin_client, booking, {"email": "bad", "student_name": "Mia"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith(
        '<section class="card" id="group-invite"'
    )
    assert "Enter a valid email address" in html
    assert not GroupInvitation.objects.exists()


def test_the_tag_renders_the_section_for_a_group_only(admin_user):
    booking = group_booking(admin_user)
    request = RequestFactory().get("/appointments/bookings/1/")
    request.user = admin_user
    invite(admin_user, booking)
    tpl = Template("{% load invitations %}{% invite_panel booking %}")
    html = tpl.render(Context({"request": request, "booking": booking}))
    assert "Send Invite" in html and "thompson@example.test" in html
    assert 'name="back" value="/appointments/bookings/1/"' in html
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(capacity=1))
    private = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot,
        frequency="non_recurring", start_date=D(2027, 1, 11),
    )  # fmt: skip
    assert tpl.render(Context({"request": request, "booking": private})) == ""


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.FINANCE, Role.STUDENT, None])
def test_only_appointment_managers_can_post(client, admin_user, role):
    booking = group_booking(admin_user)
    invitation = invite(admin_user, booking)
    user = make_user("someone", role)
    client.force_login(user)
    data = {"email": "x@example.test", "student_name": "X Y"}
    assert client.post(send_url(booking), data).status_code == 403
    revoke = reverse("appointments:invite_revoke", args=[invitation.pk])
    assert client.post(revoke).status_code == 403
    assert GroupInvitation.objects.count() == 1 and not GroupInvitation.objects.get().revoked
    client.logout()
    assert client.post(send_url(booking), data).status_code == 302  # to the log-in page
    assert GroupInvitation.objects.count() == 1


def test_withdraw(admin_client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    url = reverse("appointments:invite_revoke", args=[invitation.pk])
    response = submit(admin_client, url, {}, page=send_url(invitation.booking))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (
        invitation.revoked
        and "Withdrawn" in admin_client.get(send_url(invitation.booking)).content.decode()
    )


def test_the_office_page_query_count_does_not_grow(
    admin_client, admin_user, django_assert_max_num_queries
):
    booking = group_booking(admin_user)
    invite(admin_user, booking)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(send_url(booking))
    for n in range(5):
        invite(admin_user, booking, email=f"f{n}@example.test")
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(send_url(booking))


# --- The family: the link, Log in / Create an account, Join -------------------------------------


def test_the_link_asks_to_log_in_then_join(client, admin_user):
    booking = group_booking(admin_user)
    invitation = invite(admin_user, booking)
    user, family, (mia,) = family_login("thompsons", email="thompson@example.test")
    path = link_path(invitation)
    page = client.get(path).content.decode()
    assert "Log in" in page and f"/login/?next={path.replace('/', '%2F')}" in page
    client.force_login(user)
    page = client.get(path).content.decode()
    assert "Mia Thompson" in page and ">Join</button>" in page
    response = submit(client, path, {"student": str(mia.pk)})
    joined = AppointmentBooking.objects.get(student=mia)
    assert response.url == reverse("portal:appointment", args=[joined.pk])
    page = client.get(response.url).content.decode()
    assert joined.reference in page and "Mon 11 Jan 2027" in page
    assert "Mia Thompson has joined the group appointment" in page
    # The link again: to the confirmation, never a second booking.
    assert client.get(path).url == response.url


def test_wrong_account_is_told_which_to_use(client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    other, _, (kid,) = family_login("others", email="others@example.test", students=("Kim Oh",))
    client.force_login(other)
    path = link_path(invitation)
    page = client.get(path).content.decode()
    assert (
        "This invitation was sent to thompson@example.test; log in with that family account."
        in page
    )
    assert ">Join</button>" not in page
    client.post(path, {"student": str(kid.pk)})
    assert not AppointmentBooking.objects.filter(student=kid).exists()


def test_an_expired_or_used_link_says_so(client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    client.force_login(user)
    path = link_path(invitation)
    with time_machine.travel(NOW + 24 * H + datetime.timedelta(minutes=1), tick=False):
        page = client.get(path).content.decode()
        assert "This invitation has expired" in page and ">Join</button>" not in page


def test_a_wrong_token_is_404(client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user))
    assert client.get(f"/portal/invitations/{invitation.pk}/{'0' * 64}/").status_code == 404
    assert (
        client.get(f"/portal/invitations/{invitation.pk + 1}/{invitation.token()}/").status_code
        == 404
    )


def test_create_an_account_for_a_family_without_a_login(client, admin_user):
    family = FamilyFactory(account_email="thompson@example.test")
    mia = ContactFactory(family=family, first_name="Mia", last_name="Thompson")
    invitation = invite(admin_user, group_booking(admin_user))
    path = link_path(invitation)
    assert "Create an account" in client.get(path).content.decode()
    account = reverse("portal:invitation_account", args=[invitation.pk, invitation.token()])
    response = submit(client, account, {}, page=path)
    assert response.url == path
    family.refresh_from_db()
    user = family.user
    assert user.username == "thompson@example.test" and not user.has_usable_password()
    assert user.groups.filter(name=Role.STUDENT).exists()
    # The set-password link goes to the family's mailbox (accounts' portal invitation).
    set_password = invitation_path(user)
    client.get(set_password)
    client.post(
        reverse("accounts_public:invitation", args=[set_password.split("/")[2], "set-password"]),
        {"new_password1": "Correct-Horse-7", "new_password2": "Correct-Horse-7"},
    )
    assert client.login(username="thompson@example.test", password="Correct-Horse-7")
    submit(client, path, {"student": str(mia.pk)})
    assert AppointmentBooking.objects.filter(student=mia).exists()


def test_no_family_with_that_email_says_so(client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user), email="nobody@example.test")
    page = client.get(link_path(invitation)).content.decode()
    assert "No family account uses nobody@example.test" in page and "Create an account" not in page
    account = reverse("portal:invitation_account", args=[invitation.pk, invitation.token()])
    client.post(account)  # without the page's token: nothing
    assert not User.objects.filter(username="nobody@example.test").exists()


def test_a_family_with_a_login_is_asked_to_log_in_not_to_create_one(client, admin_user):
    family_login("thompsons", email="thompson@example.test")
    invitation = invite(admin_user, group_booking(admin_user))
    page = client.get(link_path(invitation)).content.decode()
    assert "Create an account" not in page and "Log in" in page
    assert Family.objects.get(account_email="thompson@example.test").user.username == "thompsons"


def test_join_as_a_new_student_named_as_invited(client, admin_user):
    invitation = invite(admin_user, group_booking(admin_user), name="Ava Jones")
    user, family, (mia,) = family_login("thompsons", email="thompson@example.test")
    client.force_login(user)
    path = link_path(invitation)
    assert "Ava Jones (add as a new student of my family)" in client.get(path).content.decode()
    submit(client, path, {"student": "new"})
    joined = AppointmentBooking.objects.get(student__first_name="Ava")
    assert joined.student.family == family and joined.student.first_name == "Ava"


# --- The portal lists and isolation ---------------------------------------------------------------


def test_portal_home_lists_appointments_and_pending_invitations(
    client, admin_user, django_assert_max_num_queries
):
    user, family, (mia,) = family_login("thompsons", email="thompson@example.test")
    mine = group_booking(admin_user, student=mia)
    invitation = invite(admin_user, group_booking(admin_user, capacity=4))
    theirs = group_booking(admin_user, capacity=5)
    client.force_login(user)
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("portal:home")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert mine.timeslot.staff_name in page and "16:00–16:30" in page and "Mon 4 Jan 2027" in page
    assert "Open invitation" in page and invitation.token() in page
    for n in range(3):
        group_booking(admin_user, student=ContactFactory(family=family), capacity=6 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("portal:home"))


def test_another_family_s_objects_are_404(client, admin_user):
    user, family, (mia,) = family_login("thompsons", email="thompson@example.test")
    other, _, (kim,) = family_login("others", email="others@example.test", students=("Kim Oh",))
    mine = group_booking(admin_user, student=mia)
    theirs = group_booking(admin_user, student=kim, capacity=4)
    invitation = invite(
        admin_user,
        group_booking(admin_user, capacity=5),
        email="others@example.test",
        name="Kim Oh",
    )
    client.force_login(other)
    submit(client, link_path(invitation), {"student": str(kim.pk)})
    client.force_login(user)
    assert client.get(reverse("portal:appointment", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal:appointment", args=[theirs.pk])).status_code == 404
    their_join = GroupInvitation.objects.get(pk=invitation.pk).accepted_booking
    assert client.get(reverse("portal:appointment", args=[their_join.pk])).status_code == 404
    assert client.get(reverse("portal:appointment", args=[987654321])).status_code == 404
    # Their used link offers this family nothing.
    page = client.get(link_path(invitation)).content.decode()
    assert "already been used" in page and ">Join</button>" not in page


def test_the_portal_appointment_page_query_count_does_not_grow(
    client, admin_user, django_assert_max_num_queries
):
    user, _, (mia,) = family_login("thompsons", email="thompson@example.test")
    short = group_booking(admin_user, student=mia, end_date=D(2027, 1, 11))
    long = group_booking(admin_user, student=mia, capacity=4, end_date=D(2027, 6, 28))
    client.force_login(user)
    with django_assert_max_num_queries(10) as few:
        assert client.get(reverse("portal:appointment", args=[short.pk])).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:appointment", args=[long.pk])).content.decode()
    assert "Mon 28 Jun 2027" in page
