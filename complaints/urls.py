from django.urls import path

from complaints import files, my_reports, views

app_name = "citizen"
urlpatterns = [
    path("", views.report_start, name="start"),
    path("done/", views.report_done, name="done"),
    path("track/", views.track_lookup, name="track_lookup"),
    path("my-reports/", my_reports.ask, name="my_reports"),
    path("my-reports/code/", my_reports.code, name="my_reports_code"),
    path("my-reports/list/", my_reports.listing, name="my_reports_list"),
    path("my-reports/leave/", my_reports.leave, name="my_reports_leave"),
    path("track/photo/<str:signed>/", files.public_photo, name="photo"),
    path("track/<str:token>/", views.track_detail, name="track"),
    path("photo/preview/<str:signed>/", files.stash_photo, name="stash_photo"),
    path("staff/photo/<int:pk>/", files.staff_photo, name="staff_photo"),
]
