# The two commands of the README: `make run` (demo on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench bench-data bench-booking bench-transfer bench-appointments bench-backdate bench-feed bench-charges bench-calendar worker clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Embedded default: SQLite, eager tasks, console email, demo data, demo logins printed.
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL -u EMAIL_HOST DJANGO_DEBUG=1 DJANGO_EMBEDDED=1
run: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py demo_data
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## The whole suite against a real PostgreSQL and Redis (started if not running), then lint.
test: $(STAMP)
	scripts/system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	CI=$${CI:-true} scripts/with-services $(BIN)/pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

## Benchmarks on PostgreSQL: fill the database at the spec's scale, then print figures.
bench-data: $(STAMP)
	$(BIN)/python bench/generate.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

## Bookings per second: the service, the PostgreSQL ceiling (pgbench), the Book form on gunicorn.
bench-booking: $(STAMP)
	$(BIN)/python bench/booking_throughput.py

## Transfers and placeholder "Cancel all places" per second, through the services.
bench-transfer: $(STAMP)
	$(BIN)/python bench/transfer_throughput.py

## The appointments pages at 2,000 timeslots and 50,000 appointment bookings (its own data).
bench-appointments: $(STAMP)
	$(BIN)/python bench/appointments_pages.py

## Backdating pages at 200,000 orders / 1,000,000 sessions (own data; p95 against 100 ms).
bench-backdate: $(STAMP)
	$(BIN)/python bench/backdate.py

## A calendar's iCalendar feed of 10,000 bookings through the whole stack (bar: 1 s).
bench-feed: $(STAMP)
	$(BIN)/python bench/calendar_feed.py

## Bulk tuition charges: one month of 5,000 appointment bookings, with progress (< 60 s).
bench-charges: $(STAMP)
	$(BIN)/python bench/appointment_charges.py

## The calendar's month view with 5,000 bookings in the month: p95 server time (budget 150 ms).
bench-calendar: $(STAMP)
	$(BIN)/python bench/calendar_month.py

worker:
	$(BIN)/celery -A config worker -B -l info

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
