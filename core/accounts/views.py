"""Password reset by email: Django's views (one-time signed link, no user enumeration, the
token moved out of the URL before the form shows), with our forms and templates."""

from django.contrib.auth import views as auth_views

from .forms import NewPasswordForm, ResetRequestForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
