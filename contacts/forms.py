from django import forms

from core.forms import BoundedDateField, IdChoiceField, TextAreaField

from . import phones
from .models import Contact, Organisation
from .services import INVALID_MOBILE


class ContactForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(label="Email", required=False)
    mobile = forms.CharField(
        label="Mobile",
        max_length=40,
        required=False,
        help_text="Any spelling, e.g. 07700 900123 or +44 7700 900123.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = BoundedDateField(label="Date of birth", required=False)

    def clean_mobile(self) -> str:
        raw = self.cleaned_data["mobile"].strip()
        if raw and not phones.normalise(raw):
            raise forms.ValidationError(INVALID_MOBILE)
        return raw

    @classmethod
    def initial_for(cls, contact: Contact) -> dict:
        return {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "mobile": contact.mobile_display,
            "date_of_birth": contact.date_of_birth,
        }


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200)
    billing_address = TextAreaField(label="Billing address", required=False, rows=4)
    billing_email = forms.EmailField(label="Billing email", required=False)

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict:
        return {
            "name": organisation.name,
            "billing_address": organisation.billing_address,
            "billing_email": organisation.billing_email,
        }


class FamilyForm(forms.Form):
    name = forms.CharField(label="Family name", max_length=200)
    account_email = forms.EmailField(
        label="Account email", help_text="Used to log in to the portal and for invitations."
    )


class PickedContactForm(forms.Form):
    """A contact chosen with the picker (the hidden input carries its id)."""

    contact = IdChoiceField(
        queryset=Contact.objects.all(),
        label="Contact",
        error_messages={
            "required": "Choose a contact from the suggestions.",
            "invalid_choice": "Choose a contact from the suggestions.",
        },
    )
    job_title = forms.CharField(label="Job title", max_length=100, required=False)
