from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/retry-failed/", views.outbox_retry_all_failed, name="outbox_retry_failed"),
    path("outbox/<int:message_id>/", views.outbox_message, name="outbox_detail"),
    path("outbox/<int:message_id>/html/", views.outbox_message_html, name="outbox_html"),
    path("outbox/<int:message_id>/retry/", views.outbox_message_retry, name="outbox_retry"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:key>/", views.template_edit, name="template_edit"),
    path(
        "templates/<slug:key>/preview.html",
        views.template_preview_html,
        name="template_preview_html",
    ),
    path("templates/<slug:key>/reset/", views.template_reset, name="template_reset"),
    path("templates/<slug:key>/send-test/", views.template_send_test, name="template_send_test"),
]
