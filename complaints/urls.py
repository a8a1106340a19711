from django.urls import path

from complaints import files, views

app_name = "citizen"
urlpatterns = [
    path("", views.report_start, name="start"),
    path("done/", views.report_done, name="done"),
    path("track/", views.track_lookup, name="track_lookup"),
    path("track/photo/<str:signed>/", files.public_photo, name="photo"),
    path("track/<str:token>/", views.track_detail, name="track"),
    path("photo/preview/<str:signed>/", files.stash_photo, name="stash_photo"),
    path("staff/photo/<int:pk>/", files.staff_photo, name="staff_photo"),
]
