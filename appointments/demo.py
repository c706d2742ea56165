"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo)."""


def seed(*, stdout=None) -> dict[str, int]:
    from .demo_charges import seed_charges

    return {**seed_charges(stdout=stdout)}
