from .views import actions, calendar, create, details

app_name = "agenda"

urlpatterns = [
    *calendar.urlpatterns,
    *details.urlpatterns,
    *actions.urlpatterns,
    *create.urlpatterns,
]
