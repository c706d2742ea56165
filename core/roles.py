"""The five roles of SPEC section 1 as Django groups, kept in sync after every migrate."""

from django.contrib.auth.models import Group, Permission


class Role:
    ADMIN = "Admin"
    TEAM_LEADER = "Team leader"
    PROVIDER = "Provider"
    FINANCE = "Finance"
    STUDENT = "Student / family"


# The back-office roles an Admin can give on the Users page; "Student / family" is given only
# with a portal account, created from a contact or family page (accounts.services).
STAFF_ROLES: tuple[str, ...] = (Role.ADMIN, Role.TEAM_LEADER, Role.PROVIDER, Role.FINANCE)

ROLE_CAPABILITIES: dict[str, set[str]] = {
    Role.ADMIN: {
        "view_backoffice", "view_contacts", "manage_contacts", "view_schedules",
        "manage_schedules", "view_bookings", "manage_bookings", "view_finance",
        "manage_finance", "transfer_delegates", "cancel_placeholders", "backdate_any",
        "view_appointments", "manage_appointments", "manage_timeslots", "view_reports",
        "view_revenue", "view_outbox", "manage_email_templates", "manage_users",
        "manage_calendars",
    },
    Role.TEAM_LEADER: {
        "view_backoffice", "view_contacts", "manage_contacts", "view_schedules",
        "view_bookings", "manage_bookings", "view_appointments", "manage_appointments",
        "backdate_recent", "view_reports", "view_outbox",
    },
    Role.PROVIDER: {
        "view_backoffice", "view_schedules", "view_appointments", "edit_own_timeslots",
        "backdate_own",
    },
    Role.FINANCE: {
        "view_backoffice", "view_contacts", "view_schedules", "view_bookings", "view_finance",
        "manage_finance", "transfer_delegates", "cancel_placeholders", "view_appointments",
        "view_reports", "view_revenue", "view_outbox",
    },
    Role.STUDENT: {"portal_access"},
}  # fmt: skip


def sync_roles(**kwargs) -> None:
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="core")}
    if not perms:  # first migrate of a fresh database: permissions are created just after
        from django.apps import apps
        from django.contrib.auth.management import create_permissions

        create_permissions(apps.get_app_config("core"), verbosity=0)
        perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="core")}
    for role, codenames in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in sorted(codenames)])
