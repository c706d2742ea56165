"""Every write of the appointments app (a package, as `bookings.services`)."""

from .book import (  # noqa: F401
    appointment_book,
    book,
    booking_schedule,
    free_seats,
    pack_give_back,
    pack_take,
    series_extend,
    take_seats,
)
from .manage import (  # noqa: F401
    appointment_cancel,
    appointment_set_status,
    lock_booking,
    timeslot_create,
)
from .occurrences import occurrences_extend, occurrences_generate  # noqa: F401
from .reschedule import appointment_cancel_notify, appointment_reschedule  # noqa: F401
