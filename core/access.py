"""Server-side permission checks. Every view goes through `require` (or a portal helper)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def has(user, capability: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(f"core.{capability}"))


def require(*capabilities: str) -> Callable:
    """Login required, then every named capability (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not all(has(request.user, c) for c in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_capabilities = capabilities  # read by the permission-matrix test
        return wrapper

    return decorator
