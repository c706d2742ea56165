"""Group appointment invitations (seed 002, way 4): the office invites a family, by its
account email, to join a group booking; the family accepts once, within 24 hours, from the
portal and picks the student who joins.

The link carries the invitation's id and an HMAC (SECRET_KEY, own salt) of its random
`nonce`: the database alone does not give the link away, and a new nonce would void it.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.states import BAD, MUTED, OK, WARN, StateTable

from .bookings import AppointmentBooking

LIFETIME = datetime.timedelta(hours=24)
TOKEN_SALT = "appointments.GroupInvitation.link"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Withdrawn"


# The status is derived (expiry is a matter of time, not of a write): see `status`.
INVITATION_STATES = StateTable(
    choices=InvitationStatus,
    noun="invitation",
    moves={
        InvitationStatus.PENDING: {
            InvitationStatus.ACCEPTED,
            InvitationStatus.EXPIRED,
            InvitationStatus.REVOKED,
        },
    },
    badges={
        InvitationStatus.PENDING: WARN,
        InvitationStatus.ACCEPTED: OK,
        InvitationStatus.EXPIRED: MUTED,
        InvitationStatus.REVOKED: BAD,
    },
)


class GroupInvitation(models.Model):
    booking = models.ForeignKey(
        AppointmentBooking, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    student_name = models.CharField(max_length=200)
    nonce = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_booking = models.OneToOneField(
        AppointmentBooking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="from_invitation",
    )
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["booking", "created_at"], name="group_invite_booking"),
            # The portal's pending invitations: email__iexact is UPPER(email) = UPPER(%s).
            models.Index(Upper("email"), "expires_at", name="group_invite_email"),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.booking_id}"

    def token(self) -> str:
        return salted_hmac(TOKEN_SALT, f"{self.pk}.{self.nonce}", algorithm="sha256").hexdigest()

    def token_matches(self, token: str) -> bool:
        return bool(token) and constant_time_compare(self.token(), str(token))

    @property
    def is_expired(self) -> bool:
        return timezone.now() > self.expires_at

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked:
            return InvitationStatus.REVOKED
        if self.is_expired:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING

    @property
    def status_label(self) -> str:
        return INVITATION_STATES.label(self.status)

    @property
    def status_badge(self) -> str:
        return INVITATION_STATES.badge(self.status)
