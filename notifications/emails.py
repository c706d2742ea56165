"""Default email templates of the notifications app (see services.email_template_defaults).

Every app may declare EMAIL_TEMPLATES in its own `emails.py`: key -> name, subject, body and
optionally description, html_body and example (a sample context for the preview). Subject and
body use Django template syntax; `seller` (settings.SELLER) is always in the context.
"""

EMAIL_TEMPLATES = {
    "test_email": {
        "name": "Test email",
        "description": "Sent from the Email templates page to check that email delivery works.",
        "subject": "Test email from {{ seller.name }}",
        "body": (
            "Hello {{ name|default:'there' }},\n\n"
            "This is a test email from Training Desk. If you can read it, email delivery "
            "works.\n\n"
            "{{ seller.name }}\n"
        ),
        "example": {"name": "Alice Admin"},
    },
}
