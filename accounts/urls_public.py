"""The one page of this app open to anyone: an invitation's set-password link."""

from django.urls import path

from . import views

app_name = "accounts_public"

urlpatterns = [
    path("<str:uidb64>/<str:token>/", views.invitation, name="invitation"),
]
