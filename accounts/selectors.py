"""Reads of users the Users page, the user page and the services share.

A staff user is any login not in the "Student / family" role (SPEC 1); a portal account is
one in it, linked to one contact (`Contact.user`) or one family (`Family.user`).
"""

from django.contrib.auth.models import Group, User
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from core.models import AuditEvent
from core.roles import Role

UserGroup = User.groups.through


def portal_user_ids() -> QuerySet:
    """Subquery: the ids of portal accounts."""
    return UserGroup.objects.filter(group__name=Role.STUDENT).values("user_id")


def admin_user_ids() -> QuerySet:
    """Subquery: the ids of users holding the Admin role (active or not)."""
    return UserGroup.objects.filter(group__name=Role.ADMIN).values("user_id")


def active_admin_ids() -> set[int]:
    return set(
        User.objects.filter(is_active=True, pk__in=admin_user_ids()).values_list("pk", flat=True)
    )


def is_portal_account(user: User) -> bool:
    return UserGroup.objects.filter(user_id=user.pk, group__name=Role.STUDENT).exists()


def user_list() -> QuerySet[User]:
    """Every login with its roles (one more query per page, whatever its size)."""
    return (
        User.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .only(
            "pk",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_superuser",
            "last_login",
            "password",  # has_usable_password(): the invitation is still open
        )
        .order_by("last_name", "first_name", "pk")
    )


# Rows that point at a user but are not "history" of their own: their roles, and the link of
# a portal account to its contact or family (both simply go with the user).
# Settings, not history: roles, a user's ticked calendars, the calendars made for them (a
# staff calendar is created for every staff member; deleting an unused login removes it).
_NOT_HISTORY = {
    ("auth", "user_groups"),
    ("auth", "user_user_permissions"),
    ("calendars", "calendarselection"),
}
_NOT_HISTORY_FIELDS = {
    ("contacts", "contact", "user"),
    ("contacts", "family", "user"),
    ("calendars", "calendar", "owner"),
}


def _references() -> list[Exists]:
    """EXISTS of every row in the database that refers to a user (history, schedules they
    train, documents they issued, emails they queued, ...), from the model relations, so a
    later app's foreign key to users is covered without a change here."""
    found = []
    for rel in User._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete:
            continue
        model = rel.related_model
        if (model._meta.app_label, model._meta.model_name) in _NOT_HISTORY:
            continue
        field = rel.field
        if (model._meta.app_label, model._meta.model_name, field.name) in _NOT_HISTORY_FIELDS:
            continue
        found.append(Exists(model._base_manager.filter(**{field.name: OuterRef("pk")})))
    return found


def with_history_flag(queryset: QuerySet[User]) -> QuerySet[User]:
    """Annotate `has_history`: the user has logged in, done anything recorded, or is named by
    any row (trainer of a schedule, author of a history entry, ...). Such a user is never
    deleted, only deactivated: the history must keep saying who did what."""
    referenced = Q(last_login__isnull=False)
    for exists in _references():
        referenced |= Q(exists)
    return queryset.annotate(has_history=ExpressionWrapper(referenced, output_field=BooleanField()))


def user_detail(pk: int) -> User:
    """One user with roles, portal link and the history flag, in a fixed number of queries."""
    return (
        with_history_flag(User.objects.select_related("family", "contact"))
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .get(pk=pk)
    )


def user_has_history(user: User) -> bool:
    return (
        with_history_flag(User.objects.filter(pk=user.pk))
        .values_list("has_history", flat=True)
        .first()
        or False
    )


def user_history(user: User, limit: int = 200) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(user)[:limit])
