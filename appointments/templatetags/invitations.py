"""{% load invitations %}{% invite_panel booking %}: the "Group" section of a group appointment
booking's page (seed 002, way 4): the invitations sent and the "Send Invite" form, which posts
to `appointments:invite_send`. Renders nothing for a private (capacity 1) booking."""

from django import template
from django.template.loader import render_to_string

from ..selectors.invitations import invite_panel_context

register = template.Library()


@register.simple_tag(takes_context=True)
def invite_panel(context, booking) -> str:
    if booking is None or not booking.timeslot.is_group:
        return ""
    request = context["request"]
    return render_to_string(
        "appointments/_invite_panel.html", invite_panel_context(request, booking), request=request
    )
