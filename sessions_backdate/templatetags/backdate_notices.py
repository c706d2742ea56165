"""{% load backdate_notices %}{% backdate_notices %}: the panel on a consultant's home page
listing sessions added to their past timeslots (seed 001: "the Provider is notified")."""

from django import template

from core.access import has

from ..selectors import notices_for

register = template.Library()


@register.inclusion_tag("sessions_backdate/_notices.html", takes_context=True)
def backdate_notices(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Consultants (providers): a page other roles see too asks nothing more for them.
    return {"notices": notices_for(user) if has(user, "backdate_own") else []}
