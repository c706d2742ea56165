from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .access import has
from .accounts.forms import PasswordChange


@login_required
def home(request):
    if has(request.user, "view_bookings"):
        return redirect("bookings:list")
    if has(request.user, "view_schedules"):
        return redirect("schedules:list")
    if has(request.user, "portal_access"):
        return redirect("portal:home")
    return redirect("my_account")


@login_required
def my_account(request):
    form = PasswordChange(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # This session stays (with a new key); every other session of the user ends.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed.")
        return redirect("my_account")
    roles = ", ".join(request.user.groups.values_list("name", flat=True)) or "—"
    return render(request, "core/my_account.html", {"form": form, "roles": roles})
