"""Schedule emails: the editable defaults (EMAIL_TEMPLATES) and what the services queue."""

SESSION_REMOVED = "schedule_session_removed"

EMAIL_TEMPLATES = {
    SESSION_REMOVED: {
        "name": "Timetable session removed (delegate)",
        "description": "Sent to every delegate booked on a schedule when one of its timetable "
        "sessions is removed. Context: delegate_name, course_title, schedule_code, session, "
        "sessions (what remains), reason, seller_name.",
        "subject": "Timetable change: {{ course_title }} ({{ schedule_code }})",
        "body": (
            "Dear {{ delegate_name }},\n\n"
            "The session on {{ session }} of {{ course_title }} ({{ schedule_code }}) "
            "has been removed from the timetable.\n"
            "{% if reason %}Reason: {{ reason }}\n{% endif %}"
            "{% if sessions %}\nThe sessions now are:\n"
            "{% for s in sessions %}  - {{ s }}\n{% endfor %}{% endif %}"
            "\nKind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "delegate_name": "Ann Smith",
            "course_title": "First Aid at Work",
            "schedule_code": "FAW-0042",
            "session": "Fri 13 Mar 2026 09:00-16:30",
            "sessions": ["Thu 12 Mar 2026 09:00-16:30"],
            "reason": "Trainer unavailable",
            "seller_name": "Northwind Training Ltd",
        },
    },
}
