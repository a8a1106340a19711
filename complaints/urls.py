from django.urls import path

from complaints import views

app_name = "citizen"
urlpatterns = [
    path("", views.report_start, name="start"),
    path("done/", views.report_done, name="done"),
    path("track/", views.track_lookup, name="track_lookup"),
    path("track/<str:token>/", views.track_detail, name="track"),
]
