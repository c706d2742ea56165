import pytest


@pytest.fixture
def schedule(db):
    from .factories import ScheduleFactory

    return ScheduleFactory()
