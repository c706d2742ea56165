"""{% load enrollments %}{% enrollments_panel family_or_contact %}: the "Enrollments" card of a
family's or a student's page: their appointment bookings and "New appointment booking"
(seed 002, way 1). The contacts app includes the tag and imports nothing of appointments."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from contacts.models import Family
from core.access import has

from ..selectors.page import enrollments

register = template.Library()


@register.simple_tag(takes_context=True)
def enrollments_panel(context, subject) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if subject is None or not has(user, "view_appointments"):
        return ""
    if isinstance(subject, Family):
        # family_detail prefetched the students: no query here.
        students = list(subject.students.all())
        query = {"family": subject.pk}
    else:
        students = [subject]
        query = {"student": subject.pk}
    return render_to_string(
        "appointments/_enrollments.html",
        {
            "bookings": enrollments(students),
            "subject": subject,
            "is_family": isinstance(subject, Family),
            "has_students": bool(students),
            "can_book": has(user, "manage_appointments"),
            "new_url": reverse("appointments:new") + "?" + urlencode(query),
        },
        request=request,
    )
