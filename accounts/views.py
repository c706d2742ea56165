"""The Users page (Admin), the user page and its actions, the "Invite to portal" actions of
contact and family pages, and the public set-password page of an invitation."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact, Family
from core.access import require
from core.errors import DomainError
from core.forms import OptionalReasonForm
from core.paging import QuickPage
from core.roles import STAFF_ROLES, Role
from core.web import action_view, form_add_domain_error, partial_template, posted, submit_once
from notifications.selectors import emails_about

from . import selectors, services
from .filters import UserFilter
from .forms import InviteForm, RolesForm
from .services._common import display_name
from .tokens import invite_token, uid_decode

PER_PAGE = 25


def _base_url(request: HttpRequest) -> str:
    """Scheme and host of the links in invitation emails: the host the Admin is using, which
    Django has checked against ALLOWED_HOSTS (as its own password-reset emails do)."""
    return request.build_absolute_uri("/")


# --- The Users page ----------------------------------------------------------------------------


@require("manage_users")
@vary_on_headers("HX-Request")
def user_list(request: HttpRequest) -> HttpResponse:
    # Always bound (even to an empty query): the filter leaves portal accounts out by default.
    filterset = UserFilter(request.GET, queryset=selectors.user_list())
    page = QuickPage(filterset.qs, request.GET.get("page"), PER_PAGE)
    return render(
        request,
        partial_template(request, "accounts/user_list.html", "results"),
        {"filter": filterset, "page": page, "page_title": "Users"},
    )


@require("manage_users")
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(posted(request))
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="Invite user",
            run=lambda: services.user_invite(
                actor=request.user, base_url=_base_url(request), **form.cleaned_data
            ),
            url=lambda user: reverse("accounts:detail", args=[user.pk]),
            done=lambda user: (
                f"Invitation sent to {user.email}. {display_name(user)} logs in as "
                f"{user.username} once they have chosen a password."
            ),
        )
    ):
        return response
    return render(
        request,
        "accounts/user_invite.html",
        {"form": form, "days": settings.INVITE_LINK_DAYS, "page_title": "Invite user"},
    )


@require("manage_users")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        user = selectors.user_detail(pk)
    except User.DoesNotExist:
        raise Http404("No such user") from None
    roles = [g.name for g in user.groups.all()]
    portal = Role.STUDENT in roles
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": user,
            "name": display_name(user),
            "roles": roles,
            "portal": portal,
            "is_self": user.pk == request.user.pk,
            "invitation_pending": user.is_active and not user.has_usable_password(),
            "history": selectors.user_history(user),
            "emails": list(emails_about(user)[:20]),
            "page_title": display_name(user),
        },
    )


def _user_or_404(pk: int) -> User:
    return get_object_or_404(User, pk=pk)


def _back(user: User) -> str:
    return reverse("accounts:detail", args=[user.pk])


@require("manage_users")
@vary_on_headers("HX-Request")
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    current = list(user.groups.values_list("name", flat=True))
    return action_view(
        request,
        form=RolesForm(posted(request), initial={"roles": current}),
        run=lambda data: services.user_roles_change(
            actor=request.user, user=user, roles=data["roles"], reason=data["reason"]
        ),
        done=lambda result, data: (
            f"{display_name(user)} now has the roles "
            f"{', '.join(r for r in STAFF_ROLES if r in data['roles'])}."
        ),
        title="Change roles",
        subject=display_name(user),
        back_url=_back(user),
        submit="Save roles",
        preview=False,
    )


@require("manage_users")
@vary_on_headers("HX-Request")
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    name = display_name(user)
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.user_deactivate(
            actor=request.user, user=user, reason=data["reason"]
        ),
        done=lambda result, data: f"{name} has been deactivated.",
        title="Deactivate user",
        subject=name,
        back_url=_back(user),
        submit="Deactivate",
        preview=False,
        danger=True,
        consequence=f"{name} will no longer be able to log in, and is logged out at once. "
        "Their history stays as it is; you can reactivate them later.",
    )


@require("manage_users")
@vary_on_headers("HX-Request")
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    name = display_name(user)
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.user_reactivate(
            actor=request.user, user=user, reason=data["reason"]
        ),
        done=lambda result, data: f"{name} has been reactivated.",
        title="Reactivate user",
        subject=name,
        back_url=_back(user),
        submit="Reactivate",
        preview=False,
        consequence=f"{name} will be able to log in again, with the roles they have.",
    )


@require("manage_users")
@vary_on_headers("HX-Request")
def user_invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    name = display_name(user)
    return action_view(
        request,
        form=forms.Form(posted(request)),
        run=lambda data: services.user_invitation_resend(
            actor=request.user, user=user, base_url=_base_url(request)
        ),
        done=lambda result, data: f"The invitation has been sent to {result.email} again.",
        title="Send the invitation again",
        subject=name,
        back_url=_back(user),
        submit="Send invitation",
        preview=False,
        consequence=f"A new set-password link is emailed to {user.email or user.username}; "
        "the links sent before stop working.",
    )


@require("manage_users")
@vary_on_headers("HX-Request")
def user_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    name = display_name(user)
    if selectors.user_has_history(user):
        messages.error(
            request, f"{name} has history, so they cannot be deleted; deactivate them instead."
        )
        return redirect("accounts:detail", user.pk)
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.user_delete(actor=request.user, user=user, reason=data["reason"]),
        done=lambda result, data: f"The unused login {user.username} has been deleted.",
        title="Delete user",
        subject=name,
        back_url=_back(user),
        success_url=reverse("accounts:list"),
        submit="Delete user",
        preview=False,
        danger=True,
        consequence=f"{name} has never logged in and nothing refers to them, so the login "
        f"{user.username} can be deleted (a wrong address, for example). This cannot be "
        "undone; the invitation link stops working.",
    )


# --- Portal accounts (from the contact and family pages) ----------------------------------------


def _portal_action(request: HttpRequest, *, owner, email: str, run, back_url: str):
    login = owner.user
    again = login is not None and login.is_active and not login.has_usable_password()
    if login is not None and not again:
        consequence = f"{owner} already has a portal login ({login.username})."
    elif again:
        consequence = (
            f"A new set-password link is emailed to {login.email or login.username}; the "
            "links sent before stop working."
        )
    elif email:
        consequence = (
            f"A portal login is created for {email} and a set-password link is emailed there. "
            f"It sees only the bookings of {owner}."
        )
    else:
        consequence = f"{owner} has no email address to send an invitation to."
    return action_view(
        request,
        form=forms.Form(posted(request)),
        run=lambda data: run(),
        done=lambda result, data: f"Portal invitation sent to {result.email}.",
        title="Send the portal invitation again" if again else "Invite to portal",
        subject=str(owner),
        back_url=back_url,
        submit="Send invitation",
        preview=False,
        consequence=consequence,
    )


@require("manage_contacts")
@vary_on_headers("HX-Request")
def portal_invite_contact(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("user"), pk=pk)
    return _portal_action(
        request,
        owner=contact,
        email=contact.email,
        run=lambda: services.portal_invite_contact(
            actor=request.user, contact=contact, base_url=_base_url(request)
        ),
        back_url=reverse("contacts:detail", args=[contact.pk]),
    )


@require("manage_contacts")
@vary_on_headers("HX-Request")
def portal_invite_family(request: HttpRequest, pk: int) -> HttpResponse:
    family = get_object_or_404(Family.objects.select_related("user"), pk=pk)
    return _portal_action(
        request,
        owner=family,
        email=family.account_email,
        run=lambda: services.portal_invite_family(
            actor=request.user, family=family, base_url=_base_url(request)
        ),
        back_url=reverse("contacts:family_detail", args=[family.pk]),
    )


# --- The invitation link (public) ---------------------------------------------------------------

SESSION_KEY = "_accounts_invitation_token"
URL_TOKEN = "set-password"


def _invitee(uidb64: str) -> User | None:
    pk = uid_decode(uidb64)
    return User.objects.filter(pk=pk, is_active=True).first() if pk else None


@never_cache
@sensitive_post_parameters()
def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Like Django's PasswordResetConfirmView: the token is checked, kept in the session and
    the browser sent to a URL without it, so it never leaks in a Referer header."""
    user = _invitee(uidb64)
    if user is not None and token != URL_TOKEN:
        if invite_token.check_token(user, token):
            request.session[SESSION_KEY] = token
            return redirect("accounts_public:invitation", uidb64=uidb64, token=URL_TOKEN)
        user = None
    session_token = request.session.get(SESSION_KEY, "")
    if user is None or not invite_token.check_token(user, session_token):
        return render(request, "accounts/invitation.html", {"valid": False})
    form = SetPasswordForm(user, posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_invitation_accept(
                actor=request.user if request.user.is_authenticated else None,
                user=user,
                token=session_token,
                password=form.cleaned_data["new_password1"],
            )
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(
                request, f"Your password is set. Log in with the username {user.username}."
            )
            return redirect("login")
    return render(
        request, "accounts/invitation.html", {"valid": True, "form": form, "invitee": user}
    )
