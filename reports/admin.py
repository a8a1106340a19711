from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from municipality.admin import AdminRoleOnlyMixin
from reports import services
from reports.models import WeeklyReport


@admin.register(WeeklyReport)
class WeeklyReportAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    list_display = ["week_start", "generated_at", "sent_at", "recompiled_at", "recompiled_by", "page_link"]
    date_hierarchy = "week_start"
    readonly_fields = [
        "week_start",
        "kpis",
        "generated_at",
        "generated_by",
        "pdf",
        "recipients",
        "sent_at",
        "recompiled_by",
        "recompiled_at",
    ]
    actions = ["recompile"]
    list_select_related = ["recompiled_by"]

    def has_add_permission(self, request, *args):
        return False  # compiled by the schedule or `compile_weekly_report`

    @admin.display(description=_("page"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("open"))

    @admin.action(description=_("Recompile the selected weekly reports"), permissions=["change"])
    def recompile(self, request, queryset):
        count = 0
        for report in queryset:  # a handful of weeks, each one compile
            services.weekly_report_recompile(report=report, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d weekly report recompiled.", "%(count)d weekly reports recompiled.", count) % {"count": count},
            messages.SUCCESS,
        )
