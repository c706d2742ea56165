"""The Django admin: a superusers-only look at the data, never a way around a service.

It is mounted only when settings.ADMIN_PATH is set (config/urls.py; DJANGO_ADMIN_PATH in
production, on by default only in DEBUG). Every change the product cares about goes through a
service that checks it and writes its history, so the admin classes of ledger, outbox, history,
email template and user rows are read-only (core/admin.py, invoicing/admin.py,
notifications/admin.py); tests/core/test_admin.py holds every registered class to that.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Training Desk (superusers)"
    site_title = "Training Desk admin"

    def has_permission(self, request) -> bool:
        # Staff status alone is not enough: back-office roles use the app, not the admin.
        user = request.user
        return user.is_active and user.is_superuser


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_site.SuperuserAdminSite"
