"""The appointments app's models (a package: setup, timeslots, passes, bookings, invitations)."""

from ..states import (  # noqa: F401
    BOOKING_STATES,
    SEAT_STATES,
    AttendanceStatus,
    BookingFrequency,
    BookingSource,
    BookingStatus,
    Frequency,
    PackKind,
    PricingBasis,
    SeatState,
)
from .bookings import AppointmentBooking, Seat  # noqa: F401
from .charges import ChargeRun, ChargeRunState, TuitionCharge  # noqa: F401
from .invitations import INVITATION_STATES, GroupInvitation, InvitationStatus  # noqa: F401
from .passes import Pack  # noqa: F401
from .setup import AppointmentType, PricingSchedule  # noqa: F401
from .timeslots import WEEKDAY_CHOICES, Occurrence, Timeslot  # noqa: F401
