"""Tuition charges of one booking: the amount per basis from the booked seats of the month,
one invoice through the ledger, re-runs billing only the difference, duplicates refused,
who may, and the "New Charge" page (the preview is what the confirm writes)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from appointments.models import Seat, TuitionCharge
from appointments.services import appointment_book, appointment_cancel, tuition_charge
from appointments.states import BookingFrequency, PricingBasis, SeatState
from core.audit import AuditEvent
from core.errors import DomainError
from invoicing.models import Invoice, InvoiceLine
from tests.actions import confirm, ledger_counts, preview

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    FamilyFactory,
    PricingScheduleFactory,
    timeslot,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # Monday 4 January 2027
JAN, FEB = datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)
D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


FEB_END = D(2027, 2, 28)


def lesson_booking(actor, *, pricing=None, student=None, weekdays=(0,), end=FEB_END):
    """Mondays 16:00 from 4 Jan 2027 (January: 4, 11, 18, 25; February: 1, 8, 15, 22)."""
    kind = AppointmentTypeFactory(pricing_schedule=pricing or PricingScheduleFactory())
    slot = timeslot(actor, appointment_type=kind, weekdays=weekdays)
    return appointment_book(
        actor=actor,
        student=student or ContactFactory(),
        timeslot=slot,
        frequency=BookingFrequency.RECURRING,
        start_date=D(2027, 1, 4),
        end_date=end,
    )


def mondays_only_in_january(booking):
    """A Monday-and-Wednesday booking keeps only its 4 January Mondays (Wednesdays can then be
    added one by one with `add_lesson`)."""
    wednesdays = [D(2027, 1, d) for d in (6, 13, 20, 27)]
    Seat.objects.filter(booking=booking, occurrence__date__in=wednesdays).delete()


def add_lesson(booking, day):
    """One more lesson booked in the month (a seat on another date of the timeslot)."""
    from appointments.models import Occurrence

    occurrence = Occurrence.objects.get(timeslot=booking.timeslot, date=day)
    Seat.objects.create(booking=booking, occurrence=occurrence)


# --- amounts per basis ------------------------------------------------------------------------


def test_per_lesson_bills_the_booked_lessons_of_the_month(admin_user):
    booking = lesson_booking(admin_user, pricing=PricingScheduleFactory(amount=Decimal("25.00")))
    charge = tuition_charge(actor=admin_user, booking=booking, period_start=D(2027, 1, 17))
    assert (charge.period_start, charge.period_end) == (JAN, D(2027, 1, 31))
    assert (charge.lessons, charge.amount, charge.category) == (4, Decimal("100.00"), "Tuition")
    invoice = charge.invoice
    assert invoice.net_total == Decimal("100.00") and invoice.gross_total == Decimal("120.00")
    [line] = InvoiceLine.objects.filter(invoice=invoice)
    assert (line.kind, line.quantity, line.unit_net) == ("tuition", 4, Decimal("25.00"))
    assert "January 2027" in line.description and booking.reference in line.description
    assert invoice.bill_to_name == booking.student.full_name  # no family: the student
    history = AuditEvent.objects.for_object(booking).filter(action="appointment.charge").get()
    assert invoice.display_no in history.summary and "4 lessons" in history.summary


def test_cancelled_seats_are_not_charged(admin_user):
    booking = lesson_booking(admin_user)
    seat = booking.seats.select_related("occurrence").get(occurrence__date=D(2027, 1, 11))
    appointment_cancel(actor=admin_user, booking=booking, reason="Ill", seat_ids=[seat.pk])
    charge = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (charge.lessons, charge.amount) == (3, Decimal("75.00"))


def test_per_month_bills_once_whatever_the_lessons(admin_user):
    pricing = PricingScheduleFactory(basis=PricingBasis.PER_MONTH, amount=Decimal("90.00"))
    booking = lesson_booking(admin_user, pricing=pricing, weekdays=(0, 2))
    mondays_only_in_january(booking)
    charge = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (charge.lessons, charge.units, charge.amount) == (4, 1, Decimal("90.00"))
    with pytest.raises(DomainError, match="already charged for January 2027"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    add_lesson(booking, D(2027, 1, 6))
    with pytest.raises(DomainError, match="covered by the month already charged"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)


def test_per_package_bills_packages_the_lessons_need_then_only_when_outgrown(admin_user):
    """Packages of 3 lessons at £60: 4 Mondays -> 2 packages (covers 6); 2 more lessons on
    Wednesdays -> still covered (6 of 6): nothing; 1 more -> a third package."""
    pricing = PricingScheduleFactory(
        basis=PricingBasis.PER_PACKAGE, amount=Decimal("60.00"), lessons=3
    )
    booking = lesson_booking(admin_user, pricing=pricing, weekdays=(0, 2))
    mondays_only_in_january(booking)
    assert booking.seats.filter(occurrence__date__lt=FEB).count() == 4
    first = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (first.lessons, first.units, first.amount) == (4, 2, Decimal("120.00"))
    add_lesson(booking, D(2027, 1, 6))
    add_lesson(booking, D(2027, 1, 13))
    with pytest.raises(DomainError, match="covered by the package already charged"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    add_lesson(booking, D(2027, 1, 20))
    third = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (third.lessons, third.units, third.amount) == (3, 1, Decimal("60.00"))
    assert third.lessons_through == 7


# --- re-runs, duplicates, bill-to, amount entered ---------------------------------------------


def test_re_running_the_month_bills_only_the_lessons_added_since(admin_user):
    booking = lesson_booking(admin_user, weekdays=(0, 2))
    mondays_only_in_january(booking)
    first = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (first.lessons, first.amount) == (4, Decimal("100.00"))
    with pytest.raises(DomainError, match="already charged for January 2027.*Nothing new"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    add_lesson(booking, D(2027, 1, 13))
    add_lesson(booking, D(2027, 1, 27))
    second = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    assert (second.lessons, second.amount, second.lessons_through) == (2, Decimal("50.00"), 6)
    assert second.invoice_id != first.invoice_id
    # February is its own period: all its lessons.
    feb = tuition_charge(actor=admin_user, booking=booking, period_start=FEB)
    assert (feb.lessons, feb.amount) == (8, Decimal("200.00"))  # Mon + Wed in February
    assert TuitionCharge.objects.filter(booking=booking).count() == 3
    assert Invoice.objects.count() == 3


def test_other_category_is_its_own_charge(admin_user):
    booking = lesson_booking(admin_user)
    tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    other = tuition_charge(
        actor=admin_user, booking=booking, period_start=JAN, category="Registration"
    )
    assert other.category == "Registration" and other.lessons == 4


def test_family_is_billed_and_an_amount_entered_replaces_the_schedule(admin_user):
    family = FamilyFactory()
    student = ContactFactory(family=family)
    booking = lesson_booking(admin_user, student=student)
    charge = tuition_charge(
        actor=admin_user,
        booking=booking,
        period_start=JAN,
        amount=Decimal("80.00"),
        description="January lessons (agreed rate)",
    )
    assert charge.amount == Decimal("80.00") and charge.lessons == 4
    assert charge.invoice.bill_to_name == family.name
    [line] = charge.invoice.lines.all()
    assert (line.description, line.quantity, line.net) == (
        "January lessons (agreed rate)",
        1,
        Decimal("80.00"),
    )


def test_nothing_booked_and_bad_amounts_are_refused(admin_user):
    booking = lesson_booking(admin_user, end=D(2027, 1, 31))
    with pytest.raises(DomainError, match="no booked lessons in March 2027"):
        tuition_charge(actor=admin_user, booking=booking, period_start=D(2027, 3, 1))
    for bad, message in [
        (Decimal("0"), "more than"),
        (Decimal("-5"), "more than"),
        (Decimal("1.005"), "2 decimals"),
        (Decimal("1000000.01"), "cannot exceed"),
        (1.5, "pounds and pence"),
    ]:
        with pytest.raises(DomainError, match=message):
            tuition_charge(actor=admin_user, booking=booking, period_start=JAN, amount=bad)
    assert not TuitionCharge.objects.exists() and not Invoice.objects.exists()


def test_no_pricing_schedule_needs_an_amount(admin_user):
    booking = lesson_booking(admin_user)
    type(booking).objects.filter(pk=booking.pk).update(pricing_schedule=None)
    booking.refresh_from_db()
    with pytest.raises(DomainError, match="no pricing schedule: enter the amount"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    charge = tuition_charge(
        actor=admin_user, booking=booking, period_start=JAN, amount=Decimal("70.00")
    )
    assert charge.amount == Decimal("70.00") and charge.invoice.vat_total == Decimal("14.00")


# --- who may ----------------------------------------------------------------------------------


def test_only_admin_and_finance_charge(admin_user, finance_user, team_leader, provider):
    booking = lesson_booking(admin_user)
    for user in (team_leader, provider, None):
        with pytest.raises(PermissionDenied):
            tuition_charge(actor=user, booking=booking, period_start=JAN)
    assert not Invoice.objects.exists()
    charge = tuition_charge(actor=finance_user, booking=booking, period_start=JAN)
    assert charge.created_by == finance_user


def test_team_leader_and_provider_are_refused_the_pages_also_by_direct_post(
    client, admin_user, team_leader, provider
):
    booking = lesson_booking(admin_user)
    url = reverse("appointments:charge", args=[booking.pk])
    for user in (team_leader, provider):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"as_of": "2027-01", "category": "Tuition"}).status_code == 403
        for name in ("appointments:tuition_charges",):
            assert client.get(reverse(name)).status_code == 403
            assert client.post(reverse(name), {"period": "2027-01"}).status_code == 403
    assert not Invoice.objects.exists()


# --- the "New Charge" page --------------------------------------------------------------------


def test_new_charge_page_is_prefilled_and_the_preview_is_what_confirm_writes(
    admin_client, admin_user
):
    booking = lesson_booking(admin_user, student=ContactFactory(family=FamilyFactory()))
    url = reverse("appointments:charge", args=[booking.pk])
    assert url == f"/appointments/bookings/{booking.pk}/charge/"
    page = admin_client.get(url).content.decode()
    assert "New Charge" in page and "As of Date" in page
    assert 'value="2027-01"' in page and 'value="100.00"' in page
    assert "January 2027" in page  # the description and the month's lessons

    before = ledger_counts()
    data = {"as_of": "2027-01", "category": "Tuition", "amount": "100.00", "description": ""}
    shown = preview(admin_client, url, data)
    html = shown.content.decode()
    assert shown.status_code == 200 and ledger_counts() == before
    assert not TuitionCharge.objects.exists()
    assert "Confirm: Post charge" in html and "120.00" in html and "Tuition January 2027" in html

    done = confirm(admin_client, url, shown)
    assert done.status_code == 302
    charge = TuitionCharge.objects.get()
    invoice = charge.invoice
    assert invoice.gross_total == Decimal("120.00") and f"{invoice.gross_total}" in html
    [line] = invoice.lines.all()
    assert line.description in html and (line.quantity, line.unit_net) == (4, Decimal("25.00"))
    # The same form again: already done, nothing more.
    again = confirm(admin_client, url, shown)
    assert again.status_code == 302 and TuitionCharge.objects.count() == 1


def test_new_charge_page_says_why_nothing_is_charged(admin_client, admin_user):
    booking = lesson_booking(admin_user)
    tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    url = reverse("appointments:charge", args=[booking.pk])
    page = admin_client.get(url).content.decode()
    assert "already charged for January 2027" in page
    before = ledger_counts()
    shown = preview(admin_client, url, {"as_of": "2027-01", "category": "Tuition"})
    assert shown.status_code == 200 and "Nothing new to charge" in shown.content.decode()
    assert ledger_counts() == before


def test_new_charge_page_bad_input_and_missing_booking(admin_client, admin_user):
    booking = lesson_booking(admin_user)
    url = reverse("appointments:charge", args=[booking.pk])
    r = preview(admin_client, url, {"as_of": "10000-01", "amount": "1e400", "category": ""})
    assert r.status_code == 200 and not Invoice.objects.exists()
    assert admin_client.get(reverse("appointments:charge", args=[987654])).status_code == 404


def test_charges_panel_lists_the_charges_with_invoice_links(admin_user, team_leader):
    booking = lesson_booking(admin_user)
    charge = tuition_charge(actor=admin_user, booking=booking, period_start=JAN)
    template = Template("{% load charges_panel %}{% charges_panel booking %}")
    request = RequestFactory().get("/")
    request.user = admin_user
    html = template.render(Context({"booking": booking, "request": request}))
    assert "January 2027" in html and charge.invoice.display_no in html
    assert reverse("invoicing:detail", args=[charge.invoice_id]) in html
    assert reverse("appointments:charge", args=[booking.pk]) in html
    request.user = team_leader
    html = template.render(Context({"booking": booking, "request": request}))
    assert charge.invoice.display_no in html
    assert reverse("appointments:charge", args=[booking.pk]) not in html


def test_charges_panel_is_one_query(admin_user, django_assert_max_num_queries):
    booking = lesson_booking(admin_user)
    for month in (JAN, FEB):
        tuition_charge(actor=admin_user, booking=booking, period_start=month)
    template = Template("{% load charges_panel %}{% charges_panel booking %}")
    request = RequestFactory().get("/")
    request.user = admin_user
    admin_user.has_perm("core.manage_finance")  # permissions cached, as on a page
    with django_assert_max_num_queries(1):
        template.render(Context({"booking": booking, "request": request}))


def test_seat_state_is_what_counts(admin_user):
    booking = lesson_booking(admin_user)
    Seat.objects.filter(booking=booking).update(state=SeatState.CANCELLED)
    with pytest.raises(DomainError, match="no booked lessons"):
        tuition_charge(actor=admin_user, booking=booking, period_start=JAN)


# --- the bulk pages' query counts (the run itself: test_charges_bulk.py, with a worker) ------


def test_bulk_pages_have_a_constant_query_count(
    admin_client, admin_user, django_assert_max_num_queries
):
    from appointments.services import charge_run_execute, charge_run_preview, charge_run_start

    def pages(n: int) -> None:
        for _ in range(n):
            lesson_booking(admin_user, student=ContactFactory(family=FamilyFactory()))
        run = charge_run_preview(actor=admin_user, period_start=JAN, category=f"T{n}")
        run_url = reverse("appointments:tuition_run", args=[run.pk])
        progress = reverse("appointments:tuition_run_progress", args=[run.pk])
        with django_assert_max_num_queries(12):
            assert admin_client.get(run_url).status_code == 200  # the preview list
        with django_assert_max_num_queries(10):
            assert admin_client.get(reverse("appointments:tuition_charges")).status_code == 200
        charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
        charge_run_execute(run_id=run.pk)
        with django_assert_max_num_queries(10):
            page = admin_client.get(run_url).content.decode()  # the result with the invoices
        assert page.count("/invoices/") >= n
        with django_assert_max_num_queries(10):
            admin_client.get(progress, HTTP_HX_REQUEST="true")

    pages(2)
    pages(8)


def test_a_charge_is_twelve_statements(admin_user, django_assert_max_num_queries):
    """Lock + lessons, earlier charges, billing account, operation, number, invoice, lines,
    the last statement (revenue, history, the charge), and the transaction's two."""
    bookings = [lesson_booking(admin_user) for _ in range(2)]
    tuition_charge(actor=admin_user, booking=bookings[0], period_start=JAN)  # caches warm
    with django_assert_max_num_queries(12):
        tuition_charge(actor=admin_user, booking=bookings[1], period_start=JAN)
