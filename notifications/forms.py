from django import forms

from core.forms import TextAreaField
from core.text import MAX_TEMPLATE

from .models import EmailTemplate
from .services import email_template_check, email_template_example

SYNTAX_HELP = "Django template syntax, e.g. {{ contact.first_name }} or {% if %}…{% endif %}."


class EmailTemplateForm(forms.ModelForm):
    body = TextAreaField(
        label="Body",
        limit=MAX_TEMPLATE,
        help_text=SYNTAX_HELP,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "spellcheck": "true"}),
    )
    html_body = TextAreaField(
        label="HTML body",
        limit=MAX_TEMPLATE,
        required=False,
        help_text="Optional. When set, the email is sent with this HTML version as well.",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )

    class Meta:
        model = EmailTemplate
        fields = ["subject", "body", "html_body"]
        widgets = {"subject": forms.TextInput(attrs={"size": 80})}
        help_texts = {"subject": SYNTAX_HELP}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = email_template_check(
            subject=cleaned.get("subject", ""),
            body=cleaned.get("body", ""),
            html_body=cleaned.get("html_body", ""),
            context=email_template_example(self.instance.key),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return cleaned
