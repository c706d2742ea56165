"""Every write of the accounts app: staff users (`staff`) and portal accounts (`portal`).

Each service checks the actor's capability itself (not only the view), runs in one
transaction (`core.transactions.service_atomic`), locks the users it changes and records the
change in the user's history (`core.audit.audit_record`, target the user). Invitations go
through the outbox (`notifications.services.email_queue`) with a set-password link
(`accounts.tokens`).
"""

from .portal import portal_invite_contact, portal_invite_family
from .staff import (
    user_deactivate,
    user_delete,
    user_invitation_accept,
    user_invitation_resend,
    user_invite,
    user_reactivate,
    user_roles_change,
)

__all__ = [
    "portal_invite_contact",
    "portal_invite_family",
    "user_deactivate",
    "user_delete",
    "user_invitation_accept",
    "user_invitation_resend",
    "user_invite",
    "user_reactivate",
    "user_roles_change",
]
