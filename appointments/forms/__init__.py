"""The appointments app's forms, one module per part (a package, as `services/`); re-exported
here so the project's form sweep (tests/core/test_no_server_errors.py) finds every one."""

from .booking import (  # noqa: F401
    BookingDetailsForm,
    CancelForm,
    DialogDateForm,
    PageFilterForm,
    StatusForm,
)
from .charges import ChargeRunForm, ChargeRunStartForm, NewChargeForm  # noqa: F401
from .invitations import InviteForm, JoinForm  # noqa: F401
from .passes import (  # noqa: F401
    PunchPassAddForm,
    PunchPassAdjustForm,
    RedeemForm,
    RedeemSearchForm,
)
from .setup import AppointmentTypeForm, PricingScheduleForm, TimeslotForm  # noqa: F401
