from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/members/", views.membership_add, name="membership_add"),
    path(
        "organisations/<int:pk>/members/<int:contact_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("families/", views.family_list, name="families"),
    path("families/new/", views.family_create, name="family_create"),
    path("families/<int:pk>/", views.family_detail, name="family_detail"),
    path("families/<int:pk>/edit/", views.family_edit, name="family_edit"),
    path("families/<int:pk>/students/", views.family_student_add, name="family_student_add"),
    path(
        "families/<int:pk>/students/<int:contact_pk>/remove/",
        views.family_student_remove,
        name="family_student_remove",
    ),
    # The reusable picker (templates/contacts/_picker.html) asks these for suggestions.
    path("pick/contacts/", views.pick_contacts, name="pick_contacts"),
    path("pick/organisations/", views.pick_organisations, name="pick_organisations"),
]
