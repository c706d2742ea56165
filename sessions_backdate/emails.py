"""The editable email a consultant gets when a session is added to one of their past
timeslots (seed 001: "the Provider is notified"). The client is not emailed."""

SESSION_BACKDATED = "session_backdated"

EMAIL_TEMPLATES = {
    SESSION_BACKDATED: {
        "name": "Session backdated",
        "description": "Sent to the consultant once, when a session of an order is added to "
        "one of their past timeslots. Context: consultant_name, order, session_number, "
        "service, attendees, when, booked_by, seller_name.",
        "subject": "Session added to your past timeslot: {{ service }} on {{ when }}",
        "body": (
            "Dear {{ consultant_name }},\n\n"
            "{{ booked_by }} has added a session to one of your past timeslots:\n\n"
            "Service: {{ service }}\n"
            "When: {{ when }}\n"
            "Attendees: {{ attendees }}\n"
            "Order: {{ order }} (session {{ session_number }})\n\n"
            "Please check the attendance recorded for it.\n\n"
            "Kind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "consultant_name": "Maya Brooks",
            "order": "HW000123",
            "session_number": 2,
            "service": "2 on 1 Personal Training Session",
            "attendees": "Ann Lee, Ben Lee",
            "when": "Mon 02 Nov 2026 10:00–11:00",
            "booked_by": "James Carter",
            "seller_name": "Northwind Training Ltd",
        },
    },
}
