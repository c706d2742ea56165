"""{% load enrollments %}{% enrollments_panel subject %}: (to be built; renders nothing yet)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def enrollments_panel(context, subject) -> str:
    return ""
