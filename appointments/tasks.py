from celery import shared_task


@shared_task(name="appointments.tasks.occurrences_extend_task")
def occurrences_extend_task() -> dict[str, int]:
    """Daily (beat): keep occurrences and open recurring bookings 13 months ahead."""
    from .services import occurrences_extend

    return occurrences_extend()
