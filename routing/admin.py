"""Admin for routing rules and the escalation ladder (administrators)."""
from django.contrib import admin

from routing.models import EscalationPolicy, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "district", "department", "utility", "order", "active")
    list_filter = ("active", "department", "utility")
    list_select_related = ("category", "district", "department", "utility")
    autocomplete_fields = ()


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "trigger", "percent", "level", "audience", "active")
    list_editable = ("active",)
