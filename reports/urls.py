from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("upcoming/", views.upcoming, name="upcoming"),
    path("upcoming/export.csv", views.upcoming_csv, name="upcoming_csv"),
    path("revenue/", views.revenue, name="revenue"),
    path("revenue/export.csv", views.revenue_csv, name="revenue_csv"),
]
