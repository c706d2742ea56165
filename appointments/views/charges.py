""" "New Charge" for one appointment booking (the booking dialog's "Save & Charge" opens it),
previewed and confirmed through the shared action page (core.web.action_view): the invoice
shown is the one `tuition_charge` then issues. The bulk pages ("Tuition charges") are in
`charge_runs.py`; their URLs are joined here."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.money import money_str
from core.web import action_view

from ..forms.charges import NewChargeForm
from ..models import AppointmentBooking, TuitionCharge
from ..recurrence import local_today
from ..services import DEFAULT_CATEGORY, charge_quote, month_of, tuition_charge
from . import charge_runs


def booking_url(booking_id: int) -> str:
    """The booking's page (built by the booking pages), else the Appointments page."""
    try:
        return reverse("appointments:booking", args=[booking_id])
    except NoReverseMatch:
        return reverse("appointments:page")


def _booking_or_404(pk: int) -> AppointmentBooking:
    booking = (
        AppointmentBooking.objects.select_related(
            "student",
            "family",
            "pricing_schedule",
            "timeslot",
            "timeslot__appointment_type",
            "timeslot__staff",
        )
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404("No such appointment booking")
    return booking


@require("manage_finance")
@vary_on_headers("HX-Request")
def charge(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    month, _ = month_of(local_today(booking.timeslot.time_zone))
    quote = charge_quote(booking, period_start=month)
    initial = {
        "as_of": month,
        "category": DEFAULT_CATEGORY,
        "amount": quote.amount if quote.chargeable else None,
        "description": quote.description() if quote.lessons else "",
    }
    form = NewChargeForm(request.POST or None, initial=initial)
    back = booking_url(booking.pk)

    def run(data) -> TuitionCharge:
        return tuition_charge(
            actor=request.user,
            booking=booking,
            period_start=data["as_of"],
            amount=data["amount"],
            description=data["description"],
            category=data["category"],
        )

    return action_view(
        request,
        form=form,
        run=run,
        done=lambda c, data: (
            f"{c.category} {c.period_start:%B %Y} charged for {booking.reference}: "
            f"{c.lessons} lesson{'s' if c.lessons != 1 else ''}, {money_str(c.amount)} net on "
            f"{c.invoice.display_no}."
        ),
        title="New Charge",
        subject=booking.reference,
        back_url=back,
        submit="Post charge",
        intro_template="appointments/_charge_intro.html",
        context={"booking": booking, "quote": quote},
    )


urlpatterns = [
    path("bookings/<int:pk>/charge/", charge, name="charge"),
    *charge_runs.urlpatterns,
]
