"""Users and roles are read-only here: they change through the app's own pages, whose
services record the change in the history (a password change in the admin would not)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class ViewOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyUserAdmin(ViewOnly, UserAdmin):
    pass


class ViewOnlyGroupAdmin(ViewOnly, GroupAdmin):
    pass


for model, model_admin in ((User, ViewOnlyUserAdmin), (Group, ViewOnlyGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
