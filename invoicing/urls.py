from django.urls import path

from . import views

app_name = "invoicing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/pdf/", views.invoice_pdf_view, name="pdf"),
    path("<int:pk>/payment/", views.payment_record_view, name="payment"),
    path("<int:pk>/credit-note/", views.credit_note_view, name="credit_note"),
    path("<int:pk>/refund/", views.refund_view, name="refund"),
    path("<int:pk>/reallocate/", views.reallocate_view, name="reallocate"),
    path("<int:pk>/email/", views.email_view, name="email"),
    path("credit-notes/<int:pk>/pdf/", views.credit_note_pdf_view, name="credit_note_pdf"),
    path("credit-notes/<int:pk>/email/", views.credit_note_email_view, name="credit_note_email"),
]
