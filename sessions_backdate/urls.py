from django.urls import path

from . import views

app_name = "sessions_backdate"

urlpatterns = [
    path("unused/", views.unused_sessions, name="unused"),
    path("orders/<int:pk>/", views.order_sessions, name="order"),
    path("orders/<int:pk>/book/<int:number>/", views.book_session, name="book"),
    path("<int:pk>/attendance/", views.confirm_attendance, name="attendance"),
]
