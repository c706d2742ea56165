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
from .charge_runs import (  # noqa: F401
    charge_run_execute,
    charge_run_preview,
    charge_run_quotes,
    charge_run_start,
)
from .charges import (  # noqa: F401
    DEFAULT_CATEGORY,
    Quote,
    charge_quote,
    charge_units,
    month_of,
    tuition_charge,
)
from .manage import (  # noqa: F401
    appointment_cancel,
    appointment_set_status,
    lock_booking,
    timeslot_create,
)
from .occurrences import occurrences_extend, occurrences_generate  # noqa: F401
