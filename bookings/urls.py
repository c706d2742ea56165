from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("new/", views.booking_add, name="add"),
    path("<int:pk>/", views.booking_detail, name="detail"),
    path("<int:pk>/edit/", views.booking_edit, name="edit"),
    path("<int:pk>/cancel-delegates/", views.booking_cancel_delegates, name="cancel_delegates"),
    path("<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path("<int:pk>/discount/", views.booking_discount, name="discount"),
    path("<int:pk>/status/", views.booking_status, name="status"),
    path("<int:pk>/no-show/", views.booking_noshow, name="noshow"),
    path("<int:pk>/transfer/<int:place_pk>/", views.booking_transfer, name="transfer"),
    path("placeholders/new/", views.placeholder_new, name="placeholder_new"),
    path(
        "placeholders/new/<int:org_pk>/<int:schedule_pk>/",
        views.placeholder_buy,
        name="placeholder_buy",
    ),
    path("<int:pk>/assign/", views.placeholder_assign, name="placeholder_assign"),
    path(
        "<int:pk>/unassign/<int:place_pk>/",
        views.placeholder_unassign,
        name="placeholder_unassign",
    ),
    path("<int:pk>/part-cancel/", views.placeholder_part_cancel, name="placeholder_part_cancel"),
    path("<int:pk>/cancel-all/", views.placeholder_cancel_all, name="placeholder_cancel_all"),
    path(
        "<int:pk>/transfer-placeholder/",
        views.placeholder_transfer,
        name="placeholder_transfer",
    ),
    path("contact/<int:contact_pk>/", views.contact_bookings, name="contact_bookings"),
    path("schedule/<int:schedule_pk>/register/", views.schedule_register, name="schedule_register"),
]
