"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo)."""

from .demo_invitations import seed_invitations


def seed(*, stdout=None) -> dict[str, int]:
    return {**seed_invitations(stdout=stdout)}
