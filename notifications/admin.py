from django.contrib import admin

from .models import EmailTemplate, OutboxLink, OutboxMessage


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "subject", "updated_at"]
    search_fields = ["key", "name", "subject"]
    readonly_fields = ["key", "updated_at", "updated_by"]


class OutboxLinkInline(admin.TabularInline):
    model = OutboxLink
    extra = 0
    readonly_fields = ["content_type", "object_id"]
    can_delete = False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox is a record; resending goes through the Outbox page's Retry."""

    list_display = ["created_at", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "template_key"]
    search_fields = ["subject"]
    date_hierarchy = "created_at"
    inlines = [OutboxLinkInline]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
