"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo)."""

from . import demo_passes
from .demo_invitations import seed_invitations


def seed(*, stdout=None) -> dict[str, int]:
    return {**demo_passes.seed(stdout=stdout), **seed_invitations(stdout=stdout)}
