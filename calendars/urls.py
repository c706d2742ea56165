from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
