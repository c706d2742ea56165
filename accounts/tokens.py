"""The set-password link of an invitation: Django's password-reset token, with its own salt
(a password-reset link is not an invitation link, nor the reverse) and its own lifetime
(settings.INVITE_LINK_DAYS, not PASSWORD_RESET_TIMEOUT).

The token hashes the user's password field, so it stops working once the password is set,
and when the invitation is sent again (which gives the user a fresh unusable password).
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from core.web import int_or_none


class InviteTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InviteTokenGenerator"

    @staticmethod
    def lifetime_seconds() -> int:
        return int(settings.INVITE_LINK_DAYS) * 24 * 3600

    def check_token(self, user, token) -> bool:
        """Django's check (signature against every secret), with the invitation's lifetime."""
        if not (user and token and isinstance(token, str)):
            return False
        ts_b36, _, _ = token.partition("-")
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return 0 <= self._num_seconds(self._now()) - ts <= self.lifetime_seconds()


invite_token = InviteTokenGenerator()


def uid_encode(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def uid_decode(uidb64: str) -> int | None:
    """The user id in a link, or None for anything that is not one (never an exception)."""
    try:
        return int_or_none(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def invite_link(user, *, base_url: str) -> str:
    """The absolute set-password link for `user`'s invitation, valid INVITE_LINK_DAYS days."""
    path = reverse(
        "accounts_public:invitation",
        kwargs={"uidb64": uid_encode(user), "token": invite_token.make_token(user)},
    )
    return base_url.rstrip("/") + path
