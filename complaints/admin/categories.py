"""Categories (the two-level tree of report types) and the log of reads of reporters' numbers: administrators only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Category, ContactRead
from municipality.admin import AdminRoleOnlyMixin
from municipality.history_admin import ConfigHistoryAdmin


class SubTypeInline(AdminRoleOnlyMixin, admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ("code", "name_ar", "name_en", "default_department", "default_priority", "sort_order", "active")
    verbose_name = _("sub-type")
    verbose_name_plural = _("sub-types")
    show_change_link = True


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("main", _("Main types")), ("sub", _("Sub-types"))]

    def queryset(self, request, queryset):
        if self.value() == "main":
            return queryset.main_types()
        if self.value() == "sub":
            return queryset.sub_types()
        return queryset


class MainTypeOfCategoryFilter(admin.SimpleListFilter):
    title = _("main type")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in Category.objects.main_types()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(parent_id=self.value()) | Q(pk=self.value()))
        return queryset


@admin.register(Category)
class CategoryAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = (
        "tree_name",
        "code",
        "default_department",
        "default_priority",
        "response_hours",
        "resolution_hours",
        "needs_photo",
        "allow_anonymous",
        "active",
    )
    list_filter = (CategoryLevelFilter, MainTypeOfCategoryFilter, "active", "needs_photo", "default_department")
    list_select_related = ("parent", "default_department")
    search_fields = ("code", "name_ar", "name_en")
    # The tree: each main type followed by its sub-types.
    ordering = (
        Coalesce("parent__sort_order", "sort_order").asc(),
        Coalesce("parent__code", "code").asc(),
        F("parent").asc(nulls_first=True),
        "sort_order",
        "code",
    )
    fieldsets = (
        (None, {"fields": ("parent", "code", "name_ar", "name_en", "icon", "sort_order", "active")}),
        (_("Routing and clock"), {"fields": ("default_department", "default_priority", "response_hours", "resolution_hours")}),
        (_("What citizens must give"), {"fields": ("needs_photo", "allow_anonymous", "duplicate_radius_m")}),
    )

    def get_inlines(self, request, obj):
        return [SubTypeInline] if obj is not None and obj.parent_id is None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.main_types()  # a tree of two levels
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=pgettext_lazy("field", "name"), ordering="code")
    def tree_name(self, obj):
        if obj.parent_id:
            return format_html('<span class="balagh-muted">{} ›</span> {}', obj.parent.name, obj.name)
        return format_html("<strong>{}</strong>", obj.name)


@admin.register(ContactRead)
class ContactReadAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    """Who was shown which reporter's full number, and when (administrators only, read-only)."""

    list_display = ("at", "user", "complaint", "where")
    list_filter = ("where",)
    list_select_related = ("user", "complaint")
    search_fields = ("complaint__tracking_number", "user__username")
    date_hierarchy = "at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a log its readers could erase would prove nothing
