"""Every write of the appointments app (a package, as `bookings.services`)."""

from ._timeslots import may_edit_timeslot  # noqa: F401
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
from .passes import (  # noqa: F401
    punch_pass_add,
    punch_pass_adjust,
    punch_pass_redeem,
    redeem_refusal,
)
from .reschedule import appointment_cancel_notify, appointment_reschedule  # noqa: F401
from .setup import (  # noqa: F401
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
    pricing_schedule_create,
    pricing_schedule_deactivate,
    pricing_schedule_set_active,
    pricing_schedule_update,
)
from .timeslot_delete import TimeslotRemoval, timeslot_delete  # noqa: F401
from .timeslot_edit import KEEP, TimeslotChange, timeslot_update  # noqa: F401
