from django import template

register = template.Library()

_ATTENDANCE_BADGES = {
    "attended": "badge-ok",
    "absent": "badge-bad",
    "cancelled": "badge-muted",
    "pending": "badge-warn",
}


@register.filter
def attendance_badge(status: str) -> str:
    return _ATTENDANCE_BADGES.get(status, "badge-muted")
