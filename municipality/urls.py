from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from complaints.api import urls as complaints_api
from complaints.views import staff_home
from municipality.health import healthz
from routing import api_urls as routing_api

admin.site.site_header = "Balagh — بلاغ"
admin.site.site_title = "Balagh"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("staff/", staff_home, name="staff_home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(([*complaints_api.urlpatterns, *routing_api.urlpatterns], "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("open311/v2/", include("channels.open311.urls")),
    path("reports/", include("reports.urls")),
    path("figures/", include("reports.urls_public")),
    path("routing/", include("routing.urls")),
    path("", include("complaints.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
