"""Revenue report: figures per month and course from a history made through the services."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.services import LineSpec, billing_account_for, invoice_issue, payment_record
from reports.selectors import revenue_report
from tests.bookings.factories import ContactFactory, CourseFactory, ScheduleFactory

from .conftest import at, build_ledger

pytestmark = pytest.mark.django_db

D = Decimal
FEB, MAR, APR = datetime.date(2025, 2, 1), datetime.date(2025, 3, 1), datetime.date(2025, 4, 1)
URL = reverse("reports:revenue")
CSV_URL = reverse("reports:revenue_csv")


def figures(row) -> tuple:
    f = row.figures
    return (f.invoiced, f.credited, f.paid, f.outstanding)


def cells(report) -> dict:
    return {(r.month, r.course): figures(r) for r in report.rows}


def test_figures_per_month_and_course(ledger, now):
    report = revenue_report(date_from=FEB, date_to=datetime.date(2025, 4, 30))
    assert cells(report) == {
        # Ann's invoice, issued in February, paid in full in April (outstanding 0 today)
        (FEB, "First Aid at Work"): (D("120.00"), D("0.00"), D("0.00"), D("0.00")),
        # Acme: 3 x 120 issued, 100 paid in March; 360 - 120 credited - 100 paid = 140 owed
        (MAR, "First Aid at Work"): (D("360.00"), D("0.00"), D("100.00"), D("140.00")),
        (MAR, "Manual Handling"): (D("300.00"), D("0.00"), D("0.00"), D("240.00")),
        (MAR, "Other"): (D("50.00"), D("0.00"), D("0.00"), D("50.00")),
        # April: Acme's cancelled delegate credited; Ann paid 150 and got 30 back
        (APR, "First Aid at Work"): (D("0.00"), D("120.00"), D("120.00"), D("0.00")),
        (APR, "Manual Handling"): (D("0.00"), D("60.00"), D("0.00"), D("0.00")),
    }
    months = {m.month: (m.figures.invoiced, m.figures.paid) for m in report.months}
    assert months == {
        FEB: (D("120.00"), D("0.00")),
        MAR: (D("710.00"), D("100.00")),
        APR: (D("0.00"), D("120.00")),
    }
    t = report.total
    assert (t.invoiced, t.credited, t.paid, t.outstanding) == (
        D("830.00"),
        D("180.00"),
        D("220.00"),
        D("430.00"),
    )
    # The totals are the ledger's own figures.
    assert t.outstanding == sum(i.outstanding for i in Invoice.objects.all())
    assert t.invoiced == sum(i.gross_total for i in Invoice.objects.all())
    # "Other" comes after the courses of its month.
    assert [r.course for r in report.months[1].rows] == [
        "First Aid at Work",
        "Manual Handling",
        "Other",
    ]


def test_period_bounds_and_course_filter(ledger, now):
    march = revenue_report(date_from=MAR, date_to=datetime.date(2025, 3, 31))
    assert [m.month for m in march.months] == [MAR]
    assert march.total.invoiced == D("710.00") and march.total.paid == D("100.00")
    assert march.total.credited == D("0.00")

    only_b = revenue_report(
        date_from=FEB, date_to=datetime.date(2025, 4, 30), course=str(ledger.course_b.pk)
    )
    assert {r.course for r in only_b.rows} == {"Manual Handling"}
    assert (only_b.total.invoiced, only_b.total.credited, only_b.total.outstanding) == (
        D("300.00"),
        D("60.00"),
        D("240.00"),
    )
    other = revenue_report(date_from=FEB, date_to=datetime.date(2025, 4, 30), course="other")
    assert cells(other) == {(MAR, "Other"): (D("50.00"), D("0.00"), D("0.00"), D("50.00"))}


def test_booking_made_through_the_service_shows_in_the_revenue(admin_user, now):
    """SPEC 4: a back-office booking is reflected in the revenue report (this month)."""
    from bookings.models import BookingType
    from bookings.services import booking_create

    schedule = ScheduleFactory(
        course=CourseFactory(title="Fire Marshal", default_price=D("80.00")),
        start_at=at(2025, 6, 1, 9),
        end_at=at(2025, 6, 1, 17),
    )
    booking_create(
        actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=ContactFactory()
    )
    report = revenue_report(date_from=APR, date_to=datetime.date(2025, 4, 30))
    assert cells(report) == {(APR, "Fire Marshal"): (D("96.00"), D("0.00"), D("0.00"), D("96.00"))}

    payment_record(
        actor=admin_user,
        invoice=Invoice.objects.get(booking__schedule=schedule),
        amount=D("40.00"),
        method="card",
    )
    report = revenue_report(date_from=APR, date_to=datetime.date(2025, 4, 30))
    assert cells(report) == {(APR, "Fire Marshal"): (D("96.00"), D("0.00"), D("40.00"), D("56.00"))}


def test_invoice_with_two_courses_shares_its_payment_by_line(admin_user, now):
    """Money paid on a whole invoice is split over its courses in proportion to their lines;
    the split adds up to the payment exactly."""
    from bookings.models import BookingType
    from bookings.services import booking_create

    schedule = ScheduleFactory(
        course=CourseFactory(title="Food Hygiene", default_price=D("100.00")),
        start_at=at(2025, 6, 1, 9),
        end_at=at(2025, 6, 1, 17),
    )
    student = ContactFactory()
    booking = booking_create(
        actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=student
    )
    place = booking.places.get()
    invoice = invoice_issue(
        actor=admin_user,
        account=billing_account_for(contact=student),
        lines=[
            LineSpec(
                "Food Hygiene",
                D("100.00"),
                D("0"),
                booking_place_id=place.pk,
                course_id=schedule.course_id,
            ),
            LineSpec("Certificate", D("50.00"), D("0"), kind="other"),
        ],
    )
    payment_record(actor=admin_user, invoice=invoice, amount=D("100.00"), method="cash")
    report = revenue_report(date_from=APR, date_to=datetime.date(2025, 4, 30))
    rows = cells(report)
    # the booking's own invoice (120) + 100 of this one on the course; 50 on "Other"
    assert rows[(APR, "Food Hygiene")] == (D("220.00"), D("0.00"), D("66.67"), D("153.33"))
    assert rows[(APR, "Other")] == (D("50.00"), D("0.00"), D("33.33"), D("16.67"))
    assert report.total.paid == D("100.00")
    assert report.total.outstanding == D("170.00")


# --- page ---------------------------------------------------------------------------------------


def test_page_defaults_to_the_last_twelve_months(admin_client, ledger, now):
    response = admin_client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.date_from == datetime.date(2024, 5, 1)
    assert report.date_to == datetime.date(2025, 4, 10)
    assert len(report.months) == 12
    assert report.total.invoiced == D("830.00")
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "Invoiced and paid per month" in html
    assert "£830.00" in html and "£430.00" in html
    assert 'href="/reports/revenue/export.csv' in html


def test_htmx_request_gets_the_results_partial(admin_client, ledger, now):
    response = admin_client.get(
        URL, {"date_from": "2025-03-01", "date_to": "2025-03-31"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "£710.00" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "2025-05-01", "date_to": "2025-01-01"}, "on or before the end date"),
        ({"date_from": "31-31-2020"}, "Enter a valid date"),
        ({"date_from": "0001-01-01"}, "between the years 1900 and 2999"),
        ({"date_from": "2015-01-01", "date_to": "2025-01-01"}, "at most 60 months"),
        ({"date_to": "9999-12-31"}, "between the years 1900 and 2999"),
        ({"course": "99999999999999999999"}, "Select a valid choice"),
        ({"course": "abc"}, "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_message_not_a_500(admin_client, now, params, message):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the filters." in html and message in html
    assert response.context["report"] is None
    csv_response = admin_client.get(CSV_URL, params)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_csv_export(admin_client, ledger, now):
    response = admin_client.get(CSV_URL, {"date_from": "2025-02-01", "date_to": "2025-04-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["Month", "Course", "Invoiced", "Credited", "Paid", "Outstanding"],
        ["2025-02", "First Aid at Work", "120.00", "0.00", "0.00", "0.00"],
        ["2025-03", "First Aid at Work", "360.00", "0.00", "100.00", "140.00"],
        ["2025-03", "Manual Handling", "300.00", "0.00", "0.00", "240.00"],
        ["2025-03", "Other", "50.00", "0.00", "0.00", "50.00"],
        ["2025-04", "First Aid at Work", "0.00", "120.00", "120.00", "0.00"],
        ["2025-04", "Manual Handling", "0.00", "60.00", "0.00", "0.00"],
        ["Total", "", "830.00", "180.00", "220.00", "430.00"],
    ]


def test_csv_export_uses_the_same_filters(admin_client, ledger, now):
    response = admin_client.get(CSV_URL, {"course": str(ledger.course_b.pk)})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1:] == [
        ["2025-03", "Manual Handling", "300.00", "0.00", "0.00", "240.00"],
        ["2025-04", "Manual Handling", "0.00", "60.00", "0.00", "0.00"],
        ["Total", "", "300.00", "60.00", "0.00", "240.00"],
    ]


def test_query_count_does_not_grow_with_the_ledger(
    admin_client, admin_user, django_assert_max_num_queries
):
    with time_machine.travel(at(2025, 4, 10, 12), tick=False):
        build_ledger(admin_user)
        with django_assert_max_num_queries(12) as small:
            admin_client.get(URL)
        queries = len(small)  # read now: the next request resets the connection's log
        assert queries <= 10
    for _ in range(2):
        build_ledger(admin_user)  # more courses, invoices, payments, credits and refunds
    with time_machine.travel(at(2025, 4, 10, 12), tick=False):
        with django_assert_max_num_queries(queries):
            response = admin_client.get(URL)
        assert response.context["report"].total.invoiced == D("2490.00")
        with django_assert_max_num_queries(queries):
            admin_client.get(URL, HTTP_HX_REQUEST="true")


def test_partial_months_count_only_their_days(ledger, now):
    """Whole months come from the monthly totals, the days of a partial first or last month
    from the daily ones: 21 Feb - 1 Apr leaves out Ann's invoice (20 Feb) and April's events
    (2 Apr); 20 Feb - 2 Apr has everything."""
    narrow = revenue_report(date_from=datetime.date(2025, 2, 21), date_to=datetime.date(2025, 4, 1))
    assert [m.month for m in narrow.months] == [FEB, MAR, APR]
    assert cells(narrow) == {
        (MAR, "First Aid at Work"): (D("360.00"), D("0.00"), D("100.00"), D("140.00")),
        (MAR, "Manual Handling"): (D("300.00"), D("0.00"), D("0.00"), D("240.00")),
        (MAR, "Other"): (D("50.00"), D("0.00"), D("0.00"), D("50.00")),
    }
    wide = revenue_report(date_from=datetime.date(2025, 2, 20), date_to=datetime.date(2025, 4, 2))
    assert cells(wide) == cells(revenue_report(date_from=FEB, date_to=datetime.date(2025, 4, 30)))
    assert wide.total.invoiced == D("830.00") and wide.total.paid == D("220.00")


def test_figures_written_after_a_fold_are_added(admin_user, ledger, now):
    """A payment recorded after the report folded the figures shows at once (its entries are
    read until the next fold), and folding again changes nothing."""
    from invoicing.models import RevenueEntry
    from invoicing.services.revenue import revenue_fold

    period = {"date_from": MAR, "date_to": datetime.date(2025, 4, 30)}
    before = revenue_report(**period)
    payment_record(
        actor=admin_user,
        invoice=Invoice.objects.get(booking=ledger.ben_booking),
        amount=D("40.00"),
        method="card",
    )
    assert RevenueEntry.objects.exists()
    after = revenue_report(**period)
    assert after.total.paid == before.total.paid + D("40.00")
    assert after.total.outstanding == before.total.outstanding - D("40.00")
    assert cells(after)[(APR, "Manual Handling")] == (D("0.00"), D("60.00"), D("40.00"), D("0.00"))
    revenue_fold()
    assert cells(revenue_report(**period)) == cells(after)
