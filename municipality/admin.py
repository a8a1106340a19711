"""Admin for the organisation: departments, utilities, districts and staff (administrators only).

Staff roles come from ``StaffProfile``, not from Django's permission groups:
``AdminRoleOnlyMixin`` opens a model's admin to the administrator role (and
superusers) and hides it from every other role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipality.history_admin import ConfigHistoryAdmin, StaffHistoryAdmin
from municipality.models import Department, District, StaffProfile, Utility
from municipality.roles import is_admin_role

if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin
else:  # a mixin: also used with inlines
    _ModelAdminBase = object


class OfferedFiltersOnlyMixin(_ModelAdminBase):
    """A list (and its export) accepts only the filters the page offers.

    Django's admin accepts a lookup on any of the model's own fields from the URL,
    so ``?reporter_phone__startswith=9665`` recovered a hidden mobile digit by digit
    even for roles that are not shown it. Here the URL may use the parameters of the
    ``list_filter`` entries and the date hierarchy, and Django's own exception for
    the ``limit_choices_to`` of raw-id pickers; anything else is refused (400).
    """

    def offered_lookups(self, request) -> set[str]:
        cached = getattr(request, "_balagh_offered_lookups", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        offered: set[str] = set()
        entries: list[Any] = list(self.get_list_filter(request))
        for entry in entries:
            if callable(entry) and not isinstance(entry, (tuple, list)):
                spec = entry(request, {}, self.model, self)
            else:
                field_path, filter_class = entry if isinstance(entry, (tuple, list)) else (entry, FieldListFilter.create)
                field = get_fields_from_path(self.model, field_path)[-1]
                spec = filter_class(field, request, {}, self.model, self, field_path=field_path)
            offered.update(name for name in spec.expected_parameters() if name)
        if self.date_hierarchy:
            offered.update(f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        request._balagh_offered_lookups = (self, offered)
        return offered

    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and lookup in self.offered_lookups(request):
            return True
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False


class AdminRoleOnlyMixin(OfferedFiltersOnlyMixin):
    """Full access for administrators; invisible to every other role."""

    def has_module_permission(self, request):
        return is_admin_role(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_role(request.user)

    def has_add_permission(self, request, *args):
        return is_admin_role(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin_role(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin_role(request.user)


class AdminRoleReadOnlyMixin(AdminRoleOnlyMixin):
    """Shown to administrators, written only by the code (a channel's messages, its poller's state):
    nobody adds, edits or deletes a row here, so what the page shows is what happened."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = ("name_ar", "name_en", "code", "email", "is_triage", "active")
    list_filter = ("active", "is_triage")
    search_fields = ("code", "name_ar", "name_en")


@admin.register(Utility)
class UtilityAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = ("name_ar", "name_en", "code", "kind", "email", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_ar", "name_en")


class DistrictForm(forms.ModelForm):
    class Meta:
        model = District
        fields = ("code", "name_ar", "name_en", "polygon")
        widgets = {"polygon": forms.Textarea(attrs={"rows": 8, "class": "balagh-geojson", "dir": "ltr"})}

    def clean_polygon(self):
        value = self.cleaned_data["polygon"]
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValidationError(_("Paste a GeoJSON Polygon or MultiPolygon geometry."))
        from shapely.geometry import shape

        try:
            geometry = shape(value)
        except Exception:  # shapely raises several kinds for malformed coordinates
            raise ValidationError(_("The coordinates of this boundary cannot be read.")) from None
        if geometry.is_empty or not geometry.is_valid:
            raise ValidationError(_("This boundary crosses itself or is empty; draw it again."))
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ValidationError(_("Coordinates must be longitude, latitude in degrees (GeoJSON order)."))
        return value


@admin.register(District)
class DistrictAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    form = DistrictForm
    list_display = ("name_ar", "name_en", "code", "updated_at")
    search_fields = ("code", "name_ar", "name_en")
    change_form_template = "admin/municipality/district/change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        districts = District.objects.only("pk", "name_ar", "name_en", "polygon")
        current = getattr(kwargs.get("obj"), "pk", None)
        context["other_districts"] = [{"name": d.name, "polygon": d.polygon} for d in districts if d.pk != current]
        return super().render_change_form(request, context, *args, **kwargs)


# --------------------------------------------------------------------------- staff accounts


class StaffProfileInline(AdminRoleOnlyMixin, admin.StackedInline):
    model = StaffProfile
    can_delete = True
    max_num = 1
    extra = 0
    fields = ("role", "department", "utility", "phone")
    verbose_name = _("staff role")
    verbose_name_plural = _("staff role")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(AdminRoleOnlyMixin, StaffHistoryAdmin, DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ("username", "first_name", "last_name", "role_display", "owner_display", "is_active", "is_staff")
    list_filter = ("staff_profile__role", "staff_profile__department", "staff_profile__utility", "is_active")
    list_select_related = ("staff_profile", "staff_profile__department", "staff_profile__utility")

    @admin.display(description=_("role"), ordering="staff_profile__role")
    def role_display(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.get_role_display() if profile else "—"

    @admin.display(description=_("department or utility"))
    def owner_display(self, obj):
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return "—"
        owner = profile.utility or profile.department
        return owner.name if owner else "—"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # An administrator manages staff, not Django's superuser flag or raw permissions.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        if not user.is_staff and StaffProfile.objects.filter(user=user).exists():
            # A staff role is what lets someone into the back-office.
            user.is_staff = True
            user.save(update_fields=["is_staff"])


# ============================================================================ business calendar
# (SLA engineer's section: the working week and public holidays that the SLA clock counts on.)

from municipality.models import Holiday, WorkingWeek  # noqa: E402

WEEKDAY_CHOICES = [
    (6, pgettext_lazy("weekday", "Sunday")),
    (0, pgettext_lazy("weekday", "Monday")),
    (1, pgettext_lazy("weekday", "Tuesday")),
    (2, pgettext_lazy("weekday", "Wednesday")),
    (3, pgettext_lazy("weekday", "Thursday")),
    (4, pgettext_lazy("weekday", "Friday")),
    (5, pgettext_lazy("weekday", "Saturday")),
]


class WorkingWeekForm(forms.ModelForm):
    days = forms.TypedMultipleChoiceField(
        label=_("working days"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WorkingWeek
        fields = ("name", "days", "start", "end", "active")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            raise ValidationError(_("The working day must end after it starts."))
        return cleaned


@admin.register(WorkingWeek)
class WorkingWeekAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    form = WorkingWeekForm
    list_display = ("name", "day_names", "start", "end", "active")

    @admin.display(description=_("working days"))
    def day_names(self, obj):
        names = dict(WEEKDAY_CHOICES)
        return ", ".join(str(names[d]) for d, _label in WEEKDAY_CHOICES if d in (obj.days or []))


@admin.register(Holiday)
class HolidayAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = ("date", "name_ar", "name_en")
    search_fields = ("name_ar", "name_en")
    date_hierarchy = "date"


# ============================================================================ end of business calendar


# Sign-in lock-outs (django-axes): administrators see failed attempts and unlock by deleting them.
for _model, _admin_class in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin_class.__name__, (AdminRoleOnlyMixin, _admin_class), {}))
