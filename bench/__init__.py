"""Benchmarks at the spec's scale (SPEC 10), on PostgreSQL only.

    DATABASE_URL=postgres://…/td_bench python bench/generate.py [--reset] [--scale 1.0]
    DATABASE_URL=postgres://…/td_bench python bench/run.py [--requests 50] [--only search]

`generate.py` fills the database: 100,000 contacts with UK mobiles, 5,000 organisations with
about 3 members each, 5,000 families, 20,000 schedules with timetable sessions (COPY, a few
seconds), then runs every `bench/generate_*.py` module's `generate(ctx)` in name order, so
other apps add their data (bookings, invoices) on top. A generator gets a `bench.common.Context`:
`ctx.rng` (seeded random.Random), `ctx.scale` (1.0 = full size: multiply your row counts),
`ctx.log(msg)`, `ctx.timed(label)` (context manager that prints the time taken),
`ctx.copy_rows(table, columns, rows)` (fast COPY of an iterable of tuples) and
`ctx.now` (aware datetime the data is relative to).

`run.py` measures pages in-process through Django's test Client (server time: middleware,
queries, templates; no network): for each case it makes a few warm-up requests, then N timed
ones, and prints median and p95 in ms and the query count of one request. Cases come from
every `bench/cases_*.py` module's `CASES` list of `bench.common.Case`:

    Case(name="contact search: mobile", url="/contacts/pick/contacts/?q=07700+900123",
         user_role=Role.ADMIN, htmx=True, budget_ms=50)

`url` may be a callable `(i) -> str` (i = request number) to rotate queries or find ids at
run time. `budget_ms` is a p95 budget: run.py prints FAIL and exits 1 when it is exceeded or a
page does not answer 200.
"""
