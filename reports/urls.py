from django.urls import path, re_path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("overdue/", views.OverdueView.as_view(), name="overdue"),
    re_path(r"^export/complaints\.(?P<fmt>csv|xlsx)$", views.ExportComplaintsView.as_view(), name="export_complaints"),
    re_path(r"^export/(?P<table>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.ExportKpiView.as_view(), name="export_kpis"),
    path("weekly/", views.WeeklyArchiveView.as_view(), name="weekly_archive"),
    path("weekly/compile/", views.WeeklyCompileView.as_view(), name="weekly_compile"),
    path("weekly/compile/status/", views.WeeklyCompileStatusView.as_view(), name="weekly_compile_status"),
    path("weekly/<str:week>/", views.WeeklyDetailView.as_view(), name="weekly_detail"),
    path("weekly/<str:week>/pdf/", views.WeeklyPdfView.as_view(), name="weekly_pdf"),
]
