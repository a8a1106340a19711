"""The city's figures in public: no sign-in, cacheable (mounted at /figures/)."""

from django.urls import path

from reports import views

app_name = "figures"
urlpatterns = [
    path("", views.PublicFiguresView.as_view(), name="page"),
    path("open-data.csv", views.OpenDataView.as_view(), name="open_data"),
]
