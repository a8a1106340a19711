from django.urls import path

from complaints.api import views

# The API's namespace "api" joins these with routing.api_urls in municipality/urls.py.
urlpatterns: list = [
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("complaints/", views.ComplaintCreateView.as_view(), name="complaint-create"),
    path("track/<str:tracking_number>/", views.TrackView.as_view(), name="track"),
    path("track/<str:tracking_number>/rate/", views.RateView.as_view(), name="track-rate"),
    path("track/<str:tracking_number>/reopen/", views.ReopenView.as_view(), name="track-reopen"),
]
