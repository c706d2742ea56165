"""Property-based test across the bookings/ledger seam: random group bookings, placeholder
buys, assigns, unassigns, part-cancels (with and without a credit note, valued or
proportional) and cancel-alls (with and without a charge), payments, manual credit notes,
delegate cancellations with and without charges, discount changes, refunds and transfers
(with and without a fee, onto new, full or the same schedules), placeholders transferred as a
whole (free ones; refused once invoiced); after every step the ledger
invariants (LEDGER section 3, with 16, 17, 18, 20 and 21 checked by their rules) hold,
capacity matches the places booked (free placeholder places included), a cancelled or
transferred place has nothing left to credit, and a refused step changes nothing.
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
        self.placeholders: list[int] = []
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

    # --- placeholders (SPEC 5) ---------------------------------------------------------------

    def _placeholder(self, pick: int) -> Booking | None:
        if not self.placeholders:
            return None
        return Booking.objects.get(pk=self.placeholders[pick % len(self.placeholders)])

    @rule(
        count=st.integers(1, 7),
        price=prices,
        rate=rates,
        capacity=st.integers(1, 8),
        free=st.booleans(),
    )
    def buy_placeholder(self, count, price, rate, capacity, free):
        price = D("0.00") if free else price  # a free placeholder has no invoice
        schedule = ScheduleFactory(
            course=CourseFactory(default_price=price, vat_rate=rate), capacity=capacity
        )
        org, _ = organisation_with_members(3)
        booking = self._attempt(
            lambda: services.placeholder_buy(
                actor=self.actor, schedule=schedule, organisation=org, places=count
            )
        )
        if count > capacity:
            assert booking is None  # never beyond capacity
            return
        assert booking is not None
        if free:
            assert not Invoice.objects.filter(booking=booking).exists()
        else:
            (line,) = Invoice.objects.get(booking=booking).lines.all()
            assert (line.kind, line.quantity, line.unit_net) == ("places", count, price)
        self.bookings.append(booking.pk)
        self.placeholders.append(booking.pk)

    @rule(pick=picks, price=st.one_of(st.just(D("0.00")), prices), capacity=st.integers(1, 8))
    def transfer_placeholder(self, pick, price, capacity):
        """SPEC 5: a placeholder moves as a whole only while it has no invoice."""
        booking = self._placeholder(pick)
        if booking is None:
            return
        target = ScheduleFactory(
            course=CourseFactory(default_price=price, vat_rate=D("0")), capacity=capacity
        )
        moving = booking.places.filter(state=PlaceState.BOOKED).count()
        invoiced = Invoice.objects.filter(booking=booking).exists()
        result = self._attempt(
            lambda: services.placeholder_transfer(
                actor=self.actor, booking=booking, schedule=target, reason="r"
            )
        )
        if invoiced or moving > capacity:
            assert result is None
        event(f"placeholder transfer {'refused' if result is None else 'done'}")
        if result is None:
            return
        assert result.schedule_id == target.pk
        assert booking.places.filter(state=PlaceState.BOOKED, schedule=target).count() == moving
        billed = Invoice.objects.filter(booking=booking).exists()
        assert billed == (price > 0 and booking.places_bought > 0)

    @rule(pick=picks, who=st.integers(0, 2))
    def assign(self, pick, who):
        booking = self._placeholder(pick)
        if booking is None:
            return
        contact = booking.organisation.contacts.order_by("pk")[who]
        self._attempt(
            lambda: services.placeholder_assign(actor=self.actor, booking=booking, contact=contact)
        )

    @rule(pick=picks, which=picks)
    def unassign(self, pick, which):
        booking = self._placeholder(pick)
        assigned = list(
            BookingPlace.objects.filter(
                booking=booking, state=PlaceState.BOOKED, contact__isnull=False
            ).order_by("pk")
        )
        if booking is None or not assigned:
            return
        place = assigned[which % len(assigned)]
        services.placeholder_unassign(actor=self.actor, booking=booking, place_id=place.pk)
        assert not BookingPlace.objects.filter(booking=booking, contact=place.contact).exists()

    @rule(pick=picks, k=st.integers(1, 4), mode=st.sampled_from(["none", "prop", "value"]),
          value=amounts)  # fmt: skip
    def part_cancel(self, pick, k, mode, value):
        booking = self._placeholder(pick)
        if booking is None:
            return
        before = _ledger_counts(booking)
        held = _held(booking)
        result = self._attempt(
            lambda: services.placeholder_part_cancel(
                actor=self.actor,
                booking=booking,
                places=k,
                reason="r",
                credit_note=mode != "none",
                value=value if mode == "value" else None,
            )
        )
        if result is None:
            return
        after = _ledger_counts(booking)
        # invariant 17: at most one credit note, no invoice, allocation or refund; cash kept
        assert after["notes"] - before["notes"] <= (0 if mode == "none" else 1)
        assert (after["invoices"], after["allocations"], after["refunds"]) == (
            before["invoices"],
            before["allocations"],
            before["refunds"],
        )
        assert _held(result) == held
        assert result.places_bought == booking.places_bought - k

    @rule(pick=picks, charge=st.one_of(st.none(), amounts))
    def cancel_all(self, pick, charge):
        booking = self._placeholder(pick)
        if booking is None:
            return
        held = _held(booking)
        value = booking.unit_price * booking.places_bought
        outcome = self._attempt(
            lambda: services.placeholder_cancel_all(
                actor=self.actor, booking=booking, reason="r", charge_net=charge
            )
        )
        if charge is not None and charge > value:
            assert outcome is None  # a charge above the places' value is refused
        if outcome is None:
            return
        for inv in Invoice.objects.filter(booking=booking).exclude(kind="charge"):
            assert inv.due_total == 0  # invariant 18: credited in full
        if outcome.charge_invoice is None:
            assert outcome.refunded == 0  # no charge, no refund (A4)
            return
        charge_inv = Invoice.objects.get(pk=outcome.charge_invoice.pk)
        # invariant 18: the charge takes min(N, X); the rest is refunded; never both
        assert charge_inv.net_received == min(held, charge_inv.gross_total)
        assert outcome.refunded == max(held - charge_inv.gross_total, D("0.00"))
        assert not (charge_inv.outstanding > 0 and outcome.refunded > 0)

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
    def placeholder_places_consistent(self):
        """Invariant 20, as SPEC 5 reads it: the places still bought are all booked (free or
        assigned); after "Cancel all places" only assigned delegates stay; the invoice line
        keeps at least as many places to credit as are still bought."""
        for booking in Booking.objects.filter(kind=BookingType.PLACEHOLDER):
            booked = booking.places.filter(state=PlaceState.BOOKED)
            if booking.places_bought:
                assert booked.count() == booking.places_bought
            else:
                assert not booked.filter(contact__isnull=True).exists()
            for invoice in Invoice.objects.filter(booking=booking).exclude(kind="charge"):
                for left in remaining_by_line(invoice).values():
                    if left.gross > 0:
                        assert left.places >= booking.places_bought

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


def _ledger_counts(booking: Booking) -> dict[str, int]:
    from invoicing.models import Allocation, CreditNote, Refund

    return {
        "invoices": Invoice.objects.count(),
        "notes": CreditNote.objects.count(),
        "allocations": Allocation.objects.count(),
        "refunds": Refund.objects.count(),
    }


def _held(booking: Booking) -> D:
    """Money held on the booking's own invoices (not its charges)."""
    return sum(
        (i.net_received for i in Invoice.objects.filter(booking=booking).exclude(kind="charge")),
        D("0.00"),
    )


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
    """Credit already given on the line now billing each place still booked (its newest
    course line, whether or not that invoice has anything left due): a goodwill credit."""
    booked = set(booking.places.filter(state=PlaceState.BOOKED).values_list("pk", flat=True))
    newest: dict[int, tuple[int, D]] = {}  # place -> (line id, credited on that line)
    for invoice in Invoice.objects.filter(booking=booking).exclude(kind="charge"):
        for left in remaining_by_line(invoice).values():
            place = left.line.booking_place_id
            if place in booked and left.line.pk > newest.get(place, (0, None))[0]:
                newest[place] = (left.line.pk, left.line.gross - left.gross)
    return sum((credited for _, credited in newest.values()), D("0.00"))


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
