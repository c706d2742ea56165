"""`{% form_token %}`: the hidden one-time token of a form that changes something
(core.onetime), for a form posting to this page's URL. A form posting elsewhere names it:

    {% url 'bookings:status' booking.pk as status_url %}{% form_token status_url %}
"""

from django import template
from django.utils.html import format_html

from core import onetime

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context, scope: str = "") -> str:
    request = context["request"]
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        onetime.FIELD,
        onetime.issue(request, scope or None),
    )
