"""The editable email of a group appointment invitation (seed 002, way 4), merged into
`appointments.emails.EMAIL_TEMPLATES` (the notifications app reads that dict)."""

GROUP_INVITATION = "group_appointment_invitation"

INVITATION_EMAIL_TEMPLATES = {
    GROUP_INVITATION: {
        "name": "Group Appointment Invitation",
        "description": 'Sent when the office clicks "Send Invite" in the Group section of a '
        "group appointment booking. The link is valid for 24 hours and works once. Context: "
        "student_name, appointment_type, staff_name, times, dates (the first dates to join), "
        "more_dates (how many more), location, link, expires, seller_name.",
        "subject": "Join a group appointment: {{ appointment_type }}",
        "body": (
            "Hello,\n\n"
            "{{ student_name }} is invited to join a group appointment: {{ appointment_type }} "
            "with {{ staff_name }}{% if location %} at {{ location }}{% endif %}.\n\n"
            "Time: {{ times }}\n"
            "Dates:\n"
            "{% for d in dates %}  - {{ d }}\n{% endfor %}"
            "{% if more_dates %}  ... and {{ more_dates }} more\n{% endif %}"
            "\nTo accept, follow this link and log in with the family account of this email "
            "address (or create the account first), then choose the student who joins:\n"
            "{{ link }}\n\n"
            "The link is valid for 24 hours (until {{ expires }}) and can be used once.\n"
            "\nKind regards,\n{{ seller_name }}\n"
        ),
        "example": {
            "student_name": "Oliver Patel",
            "appointment_type": "Group piano (60 min)",
            "staff_name": "Grace Hopper",
            "times": "16:00–17:00",
            "dates": ["Mon 04 Jan 2027", "Mon 11 Jan 2027"],
            "more_dates": 10,
            "location": "Room 2",
            "link": "https://bookings.example.co.uk/portal/invitations/12/3f9a…/",
            "expires": "Tue 05 Jan 2027 09:00",
            "seller_name": "Northwind Training Ltd",
        },
    },
}
