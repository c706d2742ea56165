""" "Create a new booking" submitted again (issue 8): its token is tied to what was submitted.

The same choices again (a double click, a retry, the back button and Book) answer with the
first booking and say so; other choices with the same form token (back, another student,
Book) make the new booking or are refused with a clear message, and the message always
describes the booking actually returned, never the earlier one under the new name.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_create
from invoicing.models import Invoice
from notifications.models import OutboxMessage

from .factories import ContactFactory, ScheduleFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
ADD = reverse("bookings:add")


@pytest.fixture
def setup():
    schedule = ScheduleFactory(code="FA-001")
    ann = ContactFactory(first_name="Ann", last_name="Lee")
    bob = ContactFactory(first_name="Bob", last_name="Ray")
    return schedule, ann, bob


def book(client, schedule, student, **extra):
    data = {
        "token": "one-form",
        "kind": "individual",
        "student": student.pk,
        "schedule": schedule.pk,
        "po_number": "",
        "discount_kind": "",
        "action": "book",
    }
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    return client.post(ADD, {**data, **extra}, **headers)


def said(response) -> str:
    """The message this response added (the earlier ones wait, unread, in the session)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def booked(booking: Booking) -> list[str]:
    return [p.contact.full_name for p in booking.places.select_related("contact")]


def test_back_change_the_student_and_book_again_makes_the_new_booking(admin_client, setup):
    schedule, ann, bob = setup
    first = book(admin_client, schedule, ann)
    second = book(admin_client, schedule, bob)  # back, another student, the same form token
    ann_booking, bob_booking = Booking.objects.order_by("pk")
    assert first["Location"] == reverse("bookings:detail", args=[ann_booking.pk])
    assert second["Location"] == reverse("bookings:detail", args=[bob_booking.pk])
    assert booked(ann_booking) == ["Ann Lee"] and booked(bob_booking) == ["Bob Ray"]
    assert said(second) == f"Booking {bob_booking.reference} confirmed for Bob Ray on FA-001."
    assert Invoice.objects.count() == 2


def test_the_same_with_htmx(admin_client, setup):
    schedule, ann, bob = setup
    book(admin_client, schedule, ann, HTTP_HX_REQUEST="true")
    r = book(admin_client, schedule, bob, HTTP_HX_REQUEST="true")
    bob_booking = Booking.objects.get(places__contact=bob)
    assert r.status_code == 204
    assert r["HX-Redirect"] == reverse("bookings:detail", args=[bob_booking.pk])


@pytest.mark.parametrize(
    "change",
    [
        {"po_number": "PO-9"},
        {"discount_kind": "fixed", "discount_value": "10", "discount_reason": "Loyal"},
    ],
    ids=["po", "discount"],
)
def test_back_change_the_po_or_discount_and_book_again_is_refused_clearly(
    admin_client, setup, change
):
    schedule, ann, _ = setup
    book(admin_client, schedule, ann)
    first = Booking.objects.get()
    counts = (Booking.objects.count(), Invoice.objects.count(), OutboxMessage.objects.count())
    r = book(admin_client, schedule, ann, **change)
    html = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in html
    assert f"Ann Lee is already booked on FA-001 (booking {first.reference})" in html
    assert (Booking.objects.count(), Invoice.objects.count(), OutboxMessage.objects.count()) == (
        counts
    )
    first.refresh_from_db()
    assert first.po_number == "" and not first.has_discount  # the first booking untouched


def test_the_same_choices_again_answer_with_the_first_booking_and_say_so(admin_client, setup):
    schedule, ann, _ = setup
    first = book(admin_client, schedule, ann, po_number="PO-1")
    again = book(admin_client, schedule, ann, po_number="PO-1")  # double click / retry
    booking = Booking.objects.get()
    assert first["Location"] == again["Location"]
    assert said(first) == f"Booking {booking.reference} confirmed for Ann Lee on FA-001."
    message = said(again)
    assert message.startswith("This was already done")
    assert f"booking {booking.reference} for Ann Lee on FA-001" in message
    assert "Nothing was booked a second time" in message
    assert OutboxMessage.objects.count() == 1


def test_the_service_marks_a_replay_and_keys_the_booking_by_what_was_submitted(admin_user, setup):
    schedule, ann, bob = setup

    def create(student, **kw):
        return booking_create(
            actor=admin_user,
            kind="individual",
            schedule=schedule,
            student=student,
            idempotency_key="tok",
            **kw,
        )

    first = create(ann)
    assert not first.replayed and first.idempotency_key != "tok"
    again = create(ann)
    assert again.pk == first.pk and again.replayed
    other = create(bob)
    assert other.pk != first.pk and not other.replayed
