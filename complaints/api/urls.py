from django.urls import path

from complaints.api import views
from routing.api import FollowComplaintView, FollowConfirmView, NearbyComplaintsView

app_name = "api"
urlpatterns: list = [
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("complaints/", views.ComplaintCreateView.as_view(), name="complaint-create"),
    path("complaints/nearby/", NearbyComplaintsView.as_view(), name="complaints-nearby"),
    path("complaints/follow/<str:token>/", FollowComplaintView.as_view(), name="complaints-follow"),
    path("complaints/follow/<str:token>/confirm/", FollowConfirmView.as_view(), name="complaints-follow-confirm"),
    path("track/<str:tracking_number>/", views.TrackView.as_view(), name="track"),
    path("track/<str:tracking_number>/rate/", views.RateView.as_view(), name="track-rate"),
    path("track/<str:tracking_number>/reopen/", views.ReopenView.as_view(), name="track-reopen"),
]
