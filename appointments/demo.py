"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo)."""


def seed(*, stdout=None) -> dict[str, int]:
    return {}
