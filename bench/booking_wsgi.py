"""The WSGI application for bench/booking_throughput.py's gunicorn worker: production settings
as bench/common.setup_django sets them (plain static storage, no collectstatic), and Celery
tasks routed to the bench's own queue so they can be dropped afterwards."""

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic
setup_django()

from django.core.wsgi import get_wsgi_application  # noqa: E402

from bench.booking_throughput import use_bench_queue  # noqa: E402

use_bench_queue()
application = get_wsgi_application()
