from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.user_list, name="list"),
    path("invite/", views.user_invite, name="invite"),
    path("<int:pk>/", views.user_detail, name="detail"),
    path("<int:pk>/roles/", views.user_roles, name="roles"),
    path("<int:pk>/deactivate/", views.user_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.user_reactivate, name="reactivate"),
    path("<int:pk>/invitation/", views.user_invitation_resend, name="resend"),
    path("<int:pk>/delete/", views.user_delete, name="delete"),
    # "Invite to portal" on a contact's and a family's page.
    path("portal/contact/<int:pk>/", views.portal_invite_contact, name="portal_contact"),
    path("portal/family/<int:pk>/", views.portal_invite_family, name="portal_family"),
]
