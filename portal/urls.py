from django.urls import path

from . import invitations, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("appointments/<int:pk>/", invitations.appointment_detail, name="appointment"),
    path("invitations/<int:pk>/<str:link_token>/", invitations.invitation, name="invitation"),
    path(
        "invitations/<int:pk>/<str:link_token>/account/",
        invitations.invitation_account,
        name="invitation_account",
    ),
]
