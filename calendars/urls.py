from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("add/", views.calendar_add, name="add"),
    path("sync/", views.calendars_sync, name="sync"),
    path("choose/", views.calendar_choose, name="choose"),
    path("<int:pk>/", views.calendar_edit, name="edit"),
    path("<int:pk>/regenerate/", views.calendar_regenerate, name="regenerate"),
    path("<int:pk>/remove/", views.calendar_delete, name="delete"),
    path("<int:pk>/refresh/", views.calendar_refresh, name="refresh"),
    path("feed/<str:feed_token>.ics", views.feed, name="feed"),
]
