from django.urls import path, register_converter

from channels.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"
urlpatterns = [
    path("", views.UnknownCallView.as_view(), name="root"),
    path("discovery.<open311fmt:fmt>", views.DiscoveryView.as_view(), name="discovery"),
    path("services.<open311fmt:fmt>", views.ServicesView.as_view(), name="services"),
    path("services/<str:code>.<open311fmt:fmt>", views.ServiceDefinitionView.as_view(), name="service"),
    path("requests.<open311fmt:fmt>", views.RequestsView.as_view(), name="requests"),
    path("requests/<str:service_request_id>.<open311fmt:fmt>", views.RequestView.as_view(), name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.TokenView.as_view(), name="token"),
    path("servicerequestupdates.<open311fmt:fmt>", views.UpdatesView.as_view(), name="updates"),
    path("<path:rest>", views.UnknownCallView.as_view(), name="unknown"),
]
