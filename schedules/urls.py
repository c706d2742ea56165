from django.urls import path

from . import views

app_name = "schedules"

urlpatterns = [
    path("", views.schedule_list, name="list"),
    path("pick/", views.schedule_pick, name="pick"),
    path("new/", views.schedule_create, name="create"),
    path("<int:pk>/", views.schedule_detail, name="detail"),
    path("<int:pk>/edit/", views.schedule_edit, name="edit"),
    path("<int:pk>/sessions/", views.session_add, name="session_add"),
    path(
        "<int:pk>/sessions/<int:session_pk>/remove/",
        views.session_remove,
        name="session_remove",
    ),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
]
