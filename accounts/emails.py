"""Invitation emails: the editable defaults (EMAIL_TEMPLATES).

Both carry a personal set-password link, so they are marked `confidential`: the Outbox shows
that they were sent, never their text (whoever read the link could set the password).
"""

STAFF_INVITATION = "staff_invitation"
PORTAL_INVITATION = "portal_invitation"

_LINK = (
    "Choose your password here (the link works once and for {{ days }} days):\n"
    "{{ link }}\n\n"
    "Then log in with the username {{ username }}.\n"
)
_SIGN_OFF = "\nKind regards,\n{{ seller.name }}\n"

EMAIL_TEMPLATES = {
    STAFF_INVITATION: {
        "name": "Staff invitation",
        "description": "Sent when an Admin invites a member of staff, and when the invitation "
        "is sent again. Context: name, username, roles, link, days, invited_by.",
        "subject": "Your Training Desk account at {{ seller.name }}",
        "body": (
            "Dear {{ name }},\n\n"
            "{{ invited_by }} has given you an account on Training Desk, the back office of "
            "{{ seller.name }}, as {{ roles }}.\n\n" + _LINK + _SIGN_OFF
        ),
        "example": {
            "name": "Priya Patel",
            "username": "priya.patel@example.co.uk",
            "roles": "Team leader",
            "link": "https://bookings.example.co.uk/invitation/MTI/example-token/",
            "days": 7,
            "invited_by": "Sarah Mitchell",
        },
        "confidential": True,
    },
    PORTAL_INVITATION: {
        "name": "Portal invitation (student / family)",
        "description": "Sent from a contact's or family's page to invite them to the portal, "
        "where they see their own bookings. Context: name, username, link, days, family.",
        "subject": "Your booking portal at {{ seller.name }}",
        "body": (
            "Dear {{ name }},\n\n"
            "You can now see {% if family %}the bookings of {{ family }}{% else %}your "
            "bookings{% endif %} with {{ seller.name }} online.\n\n" + _LINK + _SIGN_OFF
        ),
        "example": {
            "name": "Helen Thompson",
            "username": "thompson.family@example.co.uk",
            "link": "https://bookings.example.co.uk/invitation/MTI/example-token/",
            "days": 7,
            "family": "The Thompson family",
        },
        "confidential": True,
    },
}
