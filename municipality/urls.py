from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from complaints.api import urls as complaints_api
from complaints.views import staff_home
from municipality.health import healthz
from routing import api_urls as routing_api

admin.site.site_header = gettext_lazy("Balagh: the municipality's reports")
admin.site.site_title = gettext_lazy("Balagh")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("staff/", staff_home, name="staff_home"),
    path("admin/", admin.site.urls),
    path("account/2fa/", include("municipality.two_factor")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(([*complaints_api.urlpatterns, *routing_api.urlpatterns], "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("open311/v2/", include("channels.open311.urls")),
    path("reports/", include("reports.urls")),
    path("figures/", include("reports.urls_public")),
    path("routing/", include("routing.urls")),
    path("webhooks/whatsapp/", include("channels.whatsapp.urls")),
    path("", include("complaints.urls")),
]
# MEDIA_ROOT is never served as plain files, not even with DEBUG: photos and weekly PDFs go
# through views that check who asks (complaints.files, reports.views.WeeklyPdfView).
