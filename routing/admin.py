"""Admin for routing rules (with a dry run) and followers (administrators)."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from complaints.models import Category
from municipality.admin import AdminRoleOnlyMixin
from municipality.history_admin import ConfigHistoryAdmin
from routing.models import Follower, RoutingRule
from routing.rules import route_dry_run


class DryRunForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Sub-type"),
        queryset=Category.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "sort_order", "code"),
    )
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, initial=18.30)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, initial=42.73)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: f"{c.parent.name} › {c.name}" if c.parent_id else c.name


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ("category", "district", "department", "utility", "order", "active", "note")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    form = RoutingRuleForm
    list_display = ("category", "district_display", "owner_display", "order", "active", "updated_at")
    list_editable = ("order", "active")
    list_filter = ("active", "department", "utility", "category__parent")
    list_select_related = ("category", "category__parent", "district", "department", "utility")
    search_fields = ("category__name_ar", "category__name_en", "category__code", "note")
    ordering = ("category__code", "district__code", "order")
    change_list_template = "admin/routing/routingrule/change_list.html"

    @admin.display(description=_("district"), ordering="district__code")
    def district_display(self, obj):
        return obj.district.name if obj.district_id else _("any district")

    @admin.display(description=_("goes to"))
    def owner_display(self, obj):
        return obj.owner

    def get_urls(self):
        urls = super().get_urls()
        extra = [path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name="routing_routingrule_dry_run")]
        return extra + urls

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dry_run_form": DryRunForm()}
        return super().changelist_view(request, extra_context=extra_context)

    def dry_run_view(self, request):
        """ "Who gets sub-type X at this point?" — the decision a submission would get, nothing filed."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = DryRunForm(request.GET or None)
        result = None
        if form.is_bound and form.is_valid():
            result = route_dry_run(
                category=form.cleaned_data["category"], lat=form.cleaned_data["lat"], lon=form.cleaned_data["lon"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Routing dry run"),
            "form": form,
            "result": result,
            "rule": RoutingRule.objects.select_related("category", "district", "department", "utility")
            .filter(pk=result.decision.rule_id)
            .first()
            if result and result.decision.rule_id
            else None,
        }
        return TemplateResponse(request, "admin/routing/routingrule/dry_run.html", context)


@admin.register(Follower)
class FollowerAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    list_display = ("complaint", "masked_phone", "language", "created_at")
    list_select_related = ("complaint",)
    search_fields = ("complaint__tracking_number",)
    readonly_fields = ("complaint", "phone", "language", "created_at")

    @admin.display(description=_("mobile"))
    def masked_phone(self, obj):
        return f"{obj.phone[:-4]}****" if len(obj.phone) > 4 else "****"

    def has_add_permission(self, request, *args):
        return False
