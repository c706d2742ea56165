"""{% load invitations %}{% invite_panel booking %}: (to be built; renders nothing yet)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def invite_panel(context, booking) -> str:
    return ""
