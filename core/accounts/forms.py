"""Django's password forms, saving through the services (history, outbox)."""

from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.urls import reverse

from .services import password_reset_queue, password_set


class PasswordChange(PasswordChangeForm):
    """ "Change password" on My account (the old password, then the new one twice)."""

    def save(self, commit=True):
        password_set(
            actor=self.user,
            user=self.user,
            password=self.cleaned_data["new_password1"],
            how="changed",
        )
        return self.user


class ResetRequestForm(PasswordResetForm):
    """ "Forgotten your password?": the email goes through the outbox like every other one.

    Django's form finds the active users with that address and a usable password and says
    the same whether there are any or not, so the page tells nobody which addresses exist.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        password_reset_queue(
            user=context["user"],
            to=to_email,
            reset_url=f"{context['protocol']}://{context['domain']}{path}",
        )


class NewPasswordForm(SetPasswordForm):
    """The new password, from the emailed link."""

    def save(self, commit=True):
        password_set(
            actor=self.user,
            user=self.user,
            password=self.cleaned_data["new_password1"],
            how="reset",
        )
        return self.user
