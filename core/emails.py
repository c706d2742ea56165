"""Account emails (editable defaults, see notifications.services.email_template_defaults).

"confidential": the message carries a one-time link that would let whoever reads it set the
password, so the Outbox pages show who it went to but never its text.
"""

PASSWORD_RESET = "password_reset"

EMAIL_TEMPLATES = {
    PASSWORD_RESET: {
        "name": "Password reset",
        "description": (
            "Sent when someone asks for a new password on the log-in page. The link works "
            "once, within PASSWORD_RESET_TIMEOUT (1 hour unless configured)."
        ),
        "subject": "Set a new password for Training Desk",
        "body": (
            "Hello {{ name }},\n\n"
            "Someone asked to set a new password for the Training Desk account "
            "“{{ username }}”. To choose one, open this link within {{ valid_for }}:\n\n"
            "{{ reset_url }}\n\n"
            "The link works once. If you did not ask for it, ignore this email: your password "
            "stays as it is.\n\n"
            "{{ seller.name }}\n"
        ),
        "example": {
            "name": "Alice Admin",
            "username": "alice.admin",
            "reset_url": "https://bookings.example.com/reset/MQ/abc123-0123456789abcdef/",
            "valid_for": "1 hour",
        },
        "confidential": True,
    },
}
