"""Property-based test across the bookings/ledger seam: random group bookings, payments,
manual credit notes, delegate cancellations with and without charges, discount changes,
refunds and transfers (with and without a fee, onto new, full or the same schedules); after
every step the ledger invariants (LEDGER section 3) hold, capacity matches the places booked,
a cancelled or transferred place has nothing left to credit, a transfer's outcome is
invariant 16's and a discounted booking is never transferred (21), and a refused step changes
nothing.
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bookings import services
from bookings.models import Booking, BookingPlace, BookingType, PlaceState
from core.errors import DomainError
from invoicing.models import Invoice, InvoiceLine
from invoicing.selectors import remaining_by_line
from invoicing.services import credit_note_issue, payment_record, refund_issue
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import CourseFactory, ScheduleFactory, organisation_with_members

picks = st.integers(min_value=0, max_value=10_000)
amounts = st.decimals(min_value=D("0.01"), max_value=D("600"), places=2)
prices = st.sampled_from([D("80.00"), D("33.33"), D("150.00")])
rates = st.sampled_from([D("0"), D("0.2000")])
DISCOUNTS = [("", None), ("percent", D("10")), ("percent", D("25")), ("fixed", D("7.50"))]
discounts = st.sampled_from(DISCOUNTS)


class BookingMoneyMachine(RuleBasedStateMachine):
    actor = None

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.bookings: list[int] = []
        self.previous = invariants.snapshot()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _booking(self, pick: int) -> Booking:
        return Booking.objects.get(pk=self.bookings[pick % len(self.bookings)])

    def _invoice(self, booking: Booking, pick: int) -> Invoice | None:
        invoices = list(Invoice.objects.filter(booking=booking).order_by("pk"))
        return invoices[pick % len(invoices)] if invoices else None

    def _attempt(self, fn):
        """Run a step; a refusal must leave every ledger and booking row as it was."""
        before = (invariants.snapshot(), _booking_rows())
        try:
            return fn()
        except DomainError:
            assert (invariants.snapshot(), _booking_rows()) == before
            return None

    @initialize(count=st.integers(1, 4), price=prices, rate=rates, discount=discounts)
    def first_booking(self, count, price, rate, discount):
        self.book(count, price, rate, discount)

    @rule(count=st.integers(1, 4), price=prices, rate=rates, discount=discounts)
    def book(self, count, price, rate, discount):
        schedule = ScheduleFactory(
            course=CourseFactory(default_price=price, vat_rate=rate), capacity=6
        )
        org, people = organisation_with_members(count + 1)
        kind, value = discount
        booking = services.booking_create(
            actor=self.actor,
            kind=BookingType.GROUP,
            schedule=schedule,
            organisation=org,
            lead_booker=people[0],
            delegates=people[1:],
            discount_kind=kind,
            discount_value=value,
            discount_reason="r" if kind else "",
        )
        self.bookings.append(booking.pk)

    @rule(pick=picks, inv=picks, amount=amounts)
    def pay(self, pick, inv, amount):
        invoice = self._invoice(self._booking(pick), inv)
        if invoice is not None:
            payment_record(actor=self.actor, invoice=invoice, amount=amount, method="card")

    @rule(pick=picks, inv=picks, amount=amounts)
    def goodwill_credit(self, pick, inv, amount):
        invoice = self._invoice(self._booking(pick), inv)
        if invoice is not None and invoice.due_total > 0:
            amount = min(amount, invoice.due_total)  # mostly a part of what is still due
            credit_note_issue(actor=self.actor, invoice=invoice, reason="Goodwill", amount=amount)

    @rule(pick=picks, inv=picks)
    def refund_overpayment(self, pick, inv):
        invoice = self._invoice(self._booking(pick), inv)
        if invoice is not None and invoice.overpayment > 0:
            refund_issue(actor=self.actor, invoice=invoice, amount=invoice.overpayment, reason="r")

    @rule(pick=picks, mask=st.integers(1, 15), charge=st.one_of(st.none(), amounts))
    def cancel_delegates(self, pick, mask, charge):
        booking = self._booking(pick)
        booked = list(booking.places.filter(state=PlaceState.BOOKED).order_by("pk"))
        chosen = [p for i, p in enumerate(booked) if mask & (1 << i)] or booked[:1]
        if not chosen:
            return
        value = sum((p.unit_net for p in chosen), D("0"))
        result = self._attempt(
            lambda: services.booking_cancel_delegates(
                actor=self.actor,
                booking=booking,
                place_ids=[p.pk for p in chosen],
                reason="r",
                charge_net=charge,
            )
        )
        if charge is not None and charge > value:
            assert result is None  # a charge above the places' value is refused
        elif result is not None:
            assert all(
                p.state == PlaceState.CANCELLED
                for p in BookingPlace.objects.filter(pk__in=[p.pk for p in chosen])
            )

    @rule(pick=picks, choice=st.integers(1, len(DISCOUNTS) - 1), goodwill=st.booleans())
    def change_discount(self, pick, choice, goodwill):
        booking = self._booking(pick)
        if goodwill:  # often a goodwill credit comes first: the change must keep it
            self.goodwill_credit(pick, -1, D("12.34"))
        # a discount other than the booking's own (setting the same one is refused)
        current = next(
            i
            for i, (k, v) in enumerate(DISCOUNTS)
            if k == booking.discount_kind and (not k or v == booking.discount_value)
        )
        kind, value = DISCOUNTS[(current + choice) % len(DISCOUNTS)]
        charges = {
            i.pk: (i.gross_total, i.credited_total)
            for i in Invoice.objects.filter(booking=booking, kind=Invoice.Kind.CHARGE)
        }
        before = _course_due(booking)
        given = _credit_on_booked(booking)
        result = self._attempt(
            lambda: services.booking_set_discount(
                actor=self.actor, booking=booking, kind=kind, value=value, reason="r"
            )
        )
        if result is None:
            return
        # charge invoices are never touched by a discount change
        assert charges == {
            i.pk: (i.gross_total, i.credited_total)
            for i in Invoice.objects.filter(booking=booking, kind=Invoice.Kind.CHARGE)
        }
        # the customer never owes more than the new prices of the places still booked
        after = _course_due(booking)
        assert after == max(_booked_gross(result) - given, D("0.00"))
        if _discount_is_bigger(kind, value, booking):
            assert after <= before

    @rule(
        pick=picks,
        which=picks,
        onto=picks,
        new=st.booleans(),
        price=prices,
        rate=rates,
        fee=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("60"), places=2)),
    )
    def transfer(self, pick, which, onto, new, price, rate, fee):
        booking = self._booking(pick)
        booked = list(booking.places.filter(state=PlaceState.BOOKED).order_by("pk"))
        if not booked:
            return
        place = booked[which % len(booked)]
        if new:  # small schedules, so full ones are tried too
            schedule = ScheduleFactory(
                course=CourseFactory(default_price=price, vat_rate=rate), capacity=1 + onto % 2
            )
        else:  # any schedule, the place's own included (refused)
            schedules = list(Schedule.objects.order_by("pk"))
            schedule = schedules[onto % len(schedules)]
        full = schedule.places_taken >= schedule.capacity
        line = (
            InvoiceLine.objects.filter(booking_place=place, kind="course")
            .exclude(invoice__kind="charge")
            .order_by("-pk")
            .first()
        )
        old = line.invoice if line else None
        if old is not None:
            left = remaining_by_line(old)[line.pk].gross
            spare = max(old.net_received - (old.due_total - left), D("0"))
        result = self._attempt(
            lambda: services.booking_place_transfer(
                actor=self.actor,
                booking=booking,
                place_id=place.pk,
                schedule=schedule,
                fee_net=fee,
                reason="r",
            )
        )
        if booking.has_discount or full or schedule.pk == place.schedule_id:
            assert result is None  # invariant 21, capacity, same schedule
        event(f"transfer {'refused' if result is None else 'done'}")
        if result is None:
            return
        place.refresh_from_db()
        assert (place.state, place.transferred_to_id) == (PlaceState.TRANSFERRED, result.pk)
        assert (result.state, result.schedule_id) == (PlaceState.BOOKED, schedule.pk)
        new_lines = list(InvoiceLine.objects.filter(booking_place=result))
        total = sum((x.gross for x in new_lines), D("0"))
        new_invoice = new_lines[0].invoice if new_lines else None
        assert (new_invoice is None) == (total == 0)
        if old is None:
            return
        old = Invoice.objects.get(pk=old.pk)
        assert remaining_by_line(old)[line.pk].gross == 0  # invariant 16: line paid off
        if new_invoice is not None:  # spare money moved up to the new total, the rest stays
            new_invoice.refresh_from_db()
            assert new_invoice.supersedes_id == old.pk
            assert new_invoice.outstanding == total - min(spare, total)
            assert old.overpayment == spare - min(spare, total)
        else:
            assert old.overpayment == spare

    @invariant()
    def ledger_invariants(self):
        invariants.check_all()
        now = invariants.snapshot()
        invariants.assert_append_only(self.previous, now)
        self.previous = now

    @invariant()
    def capacity_matches_places(self):
        for s in Schedule.objects.annotate(
            booked=Count("places", filter=Q(places__state=PlaceState.BOOKED))
        ):
            assert s.places_taken == s.booked

    @invariant()
    def cancelled_places_have_nothing_left_to_credit(self):
        for invoice in Invoice.objects.exclude(kind=Invoice.Kind.CHARGE):
            for left in remaining_by_line(invoice).values():
                place = left.line.booking_place
                if (
                    place is not None
                    and place.state in (PlaceState.CANCELLED, PlaceState.TRANSFERRED)
                    and left.line.kind == InvoiceLine.Kind.COURSE
                ):
                    assert left.gross == 0


def _booking_rows():
    return (
        list(Booking.objects.order_by("pk").values()),
        list(BookingPlace.objects.order_by("pk").values()),
        list(Schedule.objects.order_by("pk").values_list("pk", "places_taken")),
    )


def _course_due(booking: Booking) -> D:
    return sum(
        (i.due_total for i in Invoice.objects.filter(booking=booking).exclude(kind="charge")),
        D("0.00"),
    )


def _credit_on_booked(booking: Booking) -> D:
    """Credit already given on the lines of the places still booked (a goodwill credit)."""
    booked = set(booking.places.filter(state=PlaceState.BOOKED).values_list("pk", flat=True))
    given = D("0.00")
    for invoice in Invoice.objects.filter(booking=booking).exclude(kind="charge"):
        for left in remaining_by_line(invoice).values():
            if left.line.booking_place_id in booked and invoice.due_total > 0:
                given += left.line.gross - left.gross
    return given


def _booked_gross(booking: Booking) -> D:
    from core.money import vat_of

    return sum(
        (
            p.unit_net + vat_of(p.unit_net, booking.vat_rate)
            for p in booking.places.filter(state=PlaceState.BOOKED)
        ),
        D("0.00"),
    )


def _discount_is_bigger(kind, value, booking_before: Booking) -> bool:
    """Only comparable when both are percentages or the old one was none."""
    old_kind, old_value = booking_before.discount_kind, booking_before.discount_value
    if not kind:
        return False
    if not old_kind:
        return True
    return kind == old_kind == "percent" and value >= old_value


@pytest.mark.django_db
@pytest.mark.slow
def test_booking_money_state_machine(admin_user):
    from hypothesis.stateful import run_state_machine_as_test

    BookingMoneyMachine.actor = admin_user
    run_state_machine_as_test(
        BookingMoneyMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
