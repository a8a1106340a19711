from django.urls import path

app_name = "citizen"
urlpatterns: list = []
