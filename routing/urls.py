from django.urls import path

from routing import views

app_name = "routing"
urlpatterns = [
    path("joint-operations/", views.joint_operations, name="joint_operations"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("merge/<int:pk>/", views.merge, name="merge"),
]
