"""The authentication backend: Django's ModelBackend, with a user's permissions read in one
query instead of two (their own and their groups', as a UNION). Every page checks a
capability (`core.access.require`), so this is one round trip less per request."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class Backend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                own = Permission.objects.filter(user=user_obj).order_by()
                via_groups = Permission.objects.filter(group__user=user_obj).order_by()
                rows = own.values_list("content_type__app_label", "codename").union(
                    via_groups.values_list("content_type__app_label", "codename")
                )
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
