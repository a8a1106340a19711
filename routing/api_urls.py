"""Routing's endpoints of the mobile API (namespace "api", joined with complaints.api.urls in municipality/urls.py)."""

from django.urls import path

from routing.api import FollowComplaintView, FollowConfirmView, NearbyComplaintsView

urlpatterns: list = [
    path("complaints/nearby/", NearbyComplaintsView.as_view(), name="complaints-nearby"),
    path("complaints/follow/<str:token>/", FollowComplaintView.as_view(), name="complaints-follow"),
    path("complaints/follow/<str:token>/confirm/", FollowConfirmView.as_view(), name="complaints-follow-confirm"),
]
