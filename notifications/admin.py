"""Read-only: templates are edited on the Email templates page (email_template_update checks
their syntax, so a broken template can never reach a booking), and the outbox is a record
that resends only through the Outbox page's Retry."""

from django.contrib import admin

from .models import EmailTemplate, OutboxLink, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "subject", "updated_at"]
    search_fields = ["key", "name", "subject"]


class OutboxLinkInline(admin.TabularInline):
    model = OutboxLink
    extra = 0
    readonly_fields = ["content_type", "object_id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "template_key"]
    search_fields = ["subject"]
    date_hierarchy = "created_at"
    inlines = [OutboxLinkInline]
    list_select_related = ["actor"]
