from django.urls import path

from routing import views

app_name = "routing"
urlpatterns = [
    path("joint-operations/", views.joint_operations, name="joint_operations"),
    path("follow/stop/<str:token>/", views.unfollow, name="unfollow"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("follow/<str:token>/confirm/", views.follow_confirm, name="follow_confirm"),
    path("merge/<int:pk>/", views.merge, name="merge"),
]
