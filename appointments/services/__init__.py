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
from .passes import (  # noqa: F401
    punch_pass_add,
    punch_pass_adjust,
    punch_pass_redeem,
    redeem_refusal,
)
