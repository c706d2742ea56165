"""Calendars: the integrated calendars of SPEC 7's "Multiple calendar synchronisation".

A `Calendar` is a staff member's or a venue's (its events are the bookings there, published as
an iCalendar feed at a secret token URL and, when `url` names a CalDAV collection, pushed
there), or an external calendar an Admin added (an ICS address or a CalDAV collection, read by a
beat task into `BusyBlock` rows). `CalendarSelection` keeps which calendars a user ticked.

Pushes follow the outbox pattern of notifications: `EventRecord` is the one published event of
a booking (stable UID, SEQUENCE, what its last significant state was); `CalendarPush` is one
(push calendar, event) pair, marked pending in the transaction that changed the booking and
sent by a Celery task after commit, with the ETag the server last gave us.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.states import BAD, MUTED, OK, StateTable


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarKind(models.TextChoices):
    STAFF = "staff", "Staff member"
    VENUE = "venue", "Venue / room"
    ICS = "ics", "ICS address"
    CALDAV = "caldav", "CalDAV collection"


# Kinds whose events are our bookings (published, pushed) and kinds read from elsewhere.
OWN_KINDS = frozenset({CalendarKind.STAFF, CalendarKind.VENUE})
EXTERNAL_KINDS = frozenset({CalendarKind.ICS, CalendarKind.CALDAV})


class Calendar(models.Model):
    Kind = CalendarKind

    kind = models.CharField(max_length=8, choices=CalendarKind.choices)
    name = models.CharField(max_length=200)
    # A staff calendar's staff member; an external calendar may also belong to one (their own
    # diary), so its busy blocks count as theirs in `clashes`.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendars",
    )
    venue = models.ForeignKey(
        "schedules.Venue",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendars",
    )
    # External calendars: the ICS address or CalDAV collection read. Staff and venue calendars:
    # the CalDAV collection their bookings are pushed to (blank: published as a feed only).
    url = models.URLField("Address", max_length=1000, blank=True)
    username = models.CharField(max_length=200, blank=True)
    # Fernet token (calendars.crypto), never the password itself.
    password_encrypted = models.TextField(blank=True, editable=False)
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    count_transparent = models.BooleanField(
        "Count free-time events as busy",
        default=False,
        help_text="Events marked 'free' (TRANSP:TRANSPARENT) are ignored unless this is ticked.",
    )
    refresh_minutes = models.PositiveIntegerField(
        "Refresh every (minutes)",
        null=True,
        blank=True,
        help_text="Blank: as the feed asks (REFRESH-INTERVAL / X-PUBLISHED-TTL), else hourly.",
    )
    # Last sync state (external calendars).
    feed_ttl_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    next_sync_at = models.DateTimeField(default=timezone.now, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(kind="staff"), name="uniq_staff_calendar"
            ),
            models.UniqueConstraint(
                fields=["venue"], condition=Q(kind="venue"), name="uniq_venue_calendar"
            ),
            models.CheckConstraint(
                condition=~Q(kind="staff") | Q(owner__isnull=False), name="staff_calendar_owner"
            ),
            models.CheckConstraint(
                condition=~Q(kind="venue") | Q(venue__isnull=False), name="venue_calendar_venue"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_sync_at"],
                name="calendar_sync_due",
                condition=Q(kind__in=["ics", "caldav"]),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("calendars:edit", args=[self.pk])

    @property
    def is_external(self) -> bool:
        return self.kind in EXTERNAL_KINDS

    @property
    def is_own(self) -> bool:
        return self.kind in OWN_KINDS

    @property
    def pushes(self) -> bool:
        """A staff or venue calendar with a CalDAV collection to push its bookings to."""
        return self.is_own and bool(self.url)

    @property
    def kind_label(self) -> str:
        return CalendarKind(self.kind).label

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    def feed_path(self) -> str:
        return reverse("calendars:feed", args=[self.feed_token])


class BusyBlock(models.Model):
    """One busy interval read from an external calendar (one instance of a recurring event)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="busy_blocks")
    starts_at = models.DateTimeField()  # UTC
    ends_at = models.DateTimeField()
    summary = models.CharField(max_length=300, blank=True)
    uid = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["calendar", "starts_at"], name="busy_calendar_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="busy_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id}: {self.starts_at:%Y-%m-%d %H:%M} {self.summary}"


class CalendarSelection(models.Model):
    """The calendars a user ticked in the calendar filter. No row: every calendar they see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="calendar_selection",
    )
    calendar_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.calendar_ids}"


class EventRecord(models.Model):
    """The one published event of a course booking or an appointment booking.

    `uid` never changes (booking-<pk>@SITE_DOMAIN / appointment-<pk>@SITE_DOMAIN); `sequence`
    goes up by one whenever `fingerprint` (time, place, status) changes.
    """

    uid = models.CharField(max_length=255, unique=True)
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_event",
    )
    appointment = models.OneToOneField(
        "appointments.AppointmentBooking",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_event",
    )
    sequence = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False, appointment__isnull=True)
                | Q(booking__isnull=True, appointment__isnull=False),
                name="event_record_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uid} (SEQUENCE {self.sequence})"


class PushState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


# pending -> sending -> synced; a failed attempt goes back to pending (retried with backoff) or
# to failed; any change of the booking makes it pending again.
PUSH_STATES = StateTable(
    choices=PushState,
    noun="calendar push",
    moves={
        PushState.PENDING: {PushState.SENDING, PushState.FAILED},
        PushState.SENDING: {PushState.SYNCED, PushState.PENDING, PushState.FAILED},
        PushState.SYNCED: {PushState.PENDING},
        PushState.FAILED: {PushState.PENDING},
    },
    badges={PushState.SYNCED: OK, PushState.FAILED: BAD, PushState.PENDING: MUTED},
)


class CalendarPush(models.Model):
    """One event on one CalDAV collection: what we last sent there and whether it is due.

    `version` goes up on every change of the event (in the booking's transaction); a delivery
    records the version it sent, so a change made while it was sending leaves the row pending.
    """

    State = PushState

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="push_rows")
    event = models.ForeignKey(EventRecord, on_delete=models.CASCADE, related_name="pushes")
    state = models.CharField(max_length=8, choices=PushState.choices, default=PushState.PENDING)
    version = models.PositiveIntegerField(default=1)
    sent_version = models.PositiveIntegerField(default=0)
    sent_sequence = models.PositiveIntegerField(null=True, blank=True)
    href = models.CharField(max_length=1500, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A 412 on update: the server's copy changed since we wrote it. Said here, never silent.
    last_conflict = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "event"], name="uniq_push_per_event"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="push_state_next"),
        ]

    def __str__(self) -> str:
        return f"{self.event.uid} -> {self.calendar_id} ({self.state})"

    @property
    def state_badge(self) -> str:
        return PUSH_STATES.badge(self.state)
