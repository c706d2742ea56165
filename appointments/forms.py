"""The appointments app's forms (one module per part; re-exported here so the project's form
sweep, tests/core/test_no_server_errors.py, finds them)."""

from .booking_forms import (  # noqa: F401
    BookingDetailsForm,
    CancelForm,
    DialogDateForm,
    PageFilterForm,
    StatusForm,
)
