"""{% load charges_panel %}{% charges_panel booking %}: the appointment booking's charges
(to be built by the charges page; renders nothing yet)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def charges_panel(context, booking) -> str:
    return ""
