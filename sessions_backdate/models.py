"""The sessions of an order (seed 001) and the notices providers get about backdated ones.

An order is the appointments app's `Pack` of kind ORDER ("HW000123"): `size` sessions of one
service, `used` of them booked. A session has a row here only while it is allocated: booked
into an occurrence (with one appointment booking per attendee), or cancelled with penalty
(used up). A session without a row is "Unallocated"; cancelling without penalty deletes the
row and gives the pack's use back, so the number is free again. History lives on the order
(`audit_record(target=pack)`), so it outlives the row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.states import ATTENDANCE_STATES, AttendanceStatus
from core.states import BAD, OK, StateTable


class SessionState(models.TextChoices):
    BOOKED = "booked", "Booked"
    PENALTY = "penalty", "Cancelled (with penalty)"


SESSION_STATES = StateTable(
    choices=SessionState,
    noun="session",
    moves={SessionState.BOOKED: {SessionState.PENALTY}, SessionState.PENALTY: set()},
    badges={SessionState.BOOKED: OK, SessionState.PENALTY: BAD},
)


class OrderSession(models.Model):
    pack = models.ForeignKey(Pack, on_delete=models.PROTECT, related_name="order_sessions")
    number = models.PositiveIntegerField()
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.PROTECT, related_name="order_sessions"
    )
    # One booking per attendee (the holder's carries the pack): all marked together.
    bookings = models.ManyToManyField(AppointmentBooking, related_name="order_sessions")
    state = models.CharField(
        max_length=10, choices=SessionState.choices, default=SessionState.BOOKED
    )
    attendance = models.CharField(
        max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PENDING
    )
    backdated = models.BooleanField(default=False)  # booked into a timeslot already past
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pack", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "number"], name="uniq_order_session"),
            models.CheckConstraint(condition=Q(number__gte=1), name="order_session_number"),
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} session {self.number}"

    @property
    def is_penalty(self) -> bool:
        return self.state == SessionState.PENALTY

    @property
    def is_final(self) -> bool:
        return self.is_penalty or ATTENDANCE_STATES.is_final(self.attendance)

    @property
    def status_label(self) -> str:
        if self.is_penalty:
            return SESSION_STATES.label(self.state)
        return ATTENDANCE_STATES.label(self.attendance)

    @property
    def status_badge(self) -> str:
        if self.is_penalty:
            return SESSION_STATES.badge(self.state)
        return ATTENDANCE_STATES.badge(self.attendance)


class BackdateNotice(models.Model):
    """Told to the consultant once, when a session is added to one of their past timeslots:
    shown on their home page (and emailed through the outbox)."""

    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backdate_notices"
    )
    session = models.OneToOneField(
        OrderSession, on_delete=models.SET_NULL, null=True, related_name="notice"
    )
    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="+")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="+")
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["provider", "-created_at"], name="backdate_notice_provider")
        ]

    def __str__(self) -> str:
        return self.summary


class OrderManager(models.Manager):
    def get_queryset(self):
        from appointments.states import PackKind

        return super().get_queryset().filter(kind=PackKind.ORDER)


class Order(Pack):
    """The appointments app's packs that are orders of sessions ("HW000123"), nothing else."""

    objects = OrderManager()

    class Meta:
        proxy = True
