from celery import shared_task


@shared_task(name="appointments.tasks.occurrences_extend_task")
def occurrences_extend_task() -> dict[str, int]:
    """Daily (beat): keep occurrences and open recurring bookings 13 months ahead."""
    from .services import occurrences_extend

    return occurrences_extend()


@shared_task(name="appointments.tasks.tuition_charge_run_task", acks_late=True)
def tuition_charge_run_task(run_id: int, part: int = 0, parts: int = 1) -> dict[str, int] | None:
    """One part of a bulk tuition charge run ("Tuition charges"): one invoice per booking,
    counted as it goes. Safe to deliver twice (acks_late: a crashed worker's part is
    delivered again, and charges nothing twice)."""
    from .services import charge_run_execute

    run = charge_run_execute(run_id=run_id, part=part, parts=parts)
    return None if run is None else {"done": run.done, "failed": run.failed}
