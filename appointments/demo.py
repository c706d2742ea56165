"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo)."""

from . import demo_passes


def seed(*, stdout=None) -> dict[str, int]:
    return {**demo_passes.seed(stdout=stdout)}
