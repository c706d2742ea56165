"""The schedule picker ("Select a schedule") and the schedules page."""

from bench.common import Case


def _course_id() -> int:
    from schedules.models import Course

    return Course.objects.order_by("id").values_list("id", flat=True).first()


CASES = [
    Case("schedule picker: In progress / Upcoming", "/schedules/pick/?when=current", htmx=True),
    Case("schedule picker: Upcoming", "/schedules/pick/?when=upcoming", htmx=True),
    Case("schedule picker: Past", "/schedules/pick/?when=past", htmx=True),
    Case("schedule picker: All", "/schedules/pick/?when=all", htmx=True),
    Case("schedule picker: search 'first aid'", "/schedules/pick/?when=all&q=first+aid", htmx=True),
    Case(
        "schedule picker: Schedule ID 'FAW-0123'", "/schedules/pick/?when=all&q=FAW-0123", htmx=True
    ),  # fmt: skip
    Case(
        "schedule picker: one course, upcoming",
        lambda i: f"/schedules/pick/?when=upcoming&course={_course_id()}",
        htmx=True,
    ),
    Case("schedules page (full)", "/schedules/"),
    Case("schedules page as a trainer (own only)", "/schedules/?when=all", user_role="Provider"),
]
