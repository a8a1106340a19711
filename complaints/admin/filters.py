"""The report list's filters."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import access
from complaints.models import Category
from complaints.workflow import OPEN_STATUSES, Status
from municipality.models import Department, District, Role, Utility


def _scope(request) -> tuple[str | None, int | None, int | None]:
    """The user's role, department and utility (the profile is read once per request)."""
    profile = access.profile_of(request.user)
    return access.role_of(request.user), getattr(profile, "department_id", None), getattr(profile, "utility_id", None)


def _offered(request, model):
    """The rows of a small table the user's list can hold, without reading the reports table.

    A department's staff are offered their own department and its types, a liaison their own
    utility; everything else offers the whole table (a few hundred rows at most).
    """
    role, department_id, utility_id = _scope(request)
    queryset = model._default_manager.all()
    if model is Department and role in access.WORK_ROLES:
        return queryset.filter(pk=department_id)
    if model is Utility and role == Role.LIAISON:
        return queryset.filter(pk=utility_id)
    if model is Category:
        queryset = queryset.sub_types()
        if role in access.WORK_ROLES:
            queryset = queryset.filter(default_department_id=department_id)
    return queryset


def _once_per_request(request, key: str, load):
    """The page builds its filters twice (to check the URL's lookups, then to show them): read once."""
    memo = request.__dict__.setdefault("_balagh_filter_choices", {})
    if key not in memo:
        memo[key] = load()
    return memo[key]


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """Choices from the related (small) table, narrowed to the user's scope: never a scan of the reports."""

    def field_choices(self, field, request, model_admin):
        def load():
            ordering = self.field_admin_ordering(field, request, model_admin)
            queryset = _offered(request, field.related_model).order_by(*ordering)
            if field.related_model is District:
                queryset = queryset.defer("polygon")  # names only, not the boundaries
            return [(obj.pk, str(obj)) for obj in queryset]

        return _once_per_request(request, self.field_path, load)


class MainTypeFilter(admin.SimpleListFilter):
    title = _("main type")
    parameter_name = "main_type"

    def lookups(self, request, model_admin):
        def load():
            mains = Category.objects.main_types()
            role, department_id, _utility_id = _scope(request)
            if role in access.WORK_ROLES:
                subs = Category.objects.sub_types().filter(default_department_id=department_id)
                mains = mains.filter(pk__in=subs.values("parent"))
            return [(c.pk, c.name) for c in mains.order_by("sort_order", "code")]

        return _once_per_request(request, self.parameter_name, load)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(category__parent_id=self.value()) | Q(category_id=self.value()))
        return queryset


class TriageFilter(admin.SimpleListFilter):
    """The triage queue: reports still without a sub-type or a pin."""

    title = _("triage")
    parameter_name = "triage"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting for type or location")), ("no", _("Complete"))]

    def queryset(self, request, queryset):
        waiting = Q(category__isnull=True) | Q(lat__isnull=True) | Q(lon__isnull=True)
        if self.value() == "yes":
            return queryset.filter(waiting)
        if self.value() == "no":
            return queryset.exclude(waiting)
        return queryset


#: ``?due=all``: the whole list, for the roles whose list otherwise opens on open work.
SHOW_ALL = "all"
#: Roles that work reports: their list opens on what is still to do (``?due=open``).
OPEN_WORK_FIRST_ROLES = access.WORK_ROLES | {Role.LIAISON, Role.AGENT}


class DueFilter(admin.SimpleListFilter):
    title = _("resolution clock")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("At risk")), ("open", _("Open")), (SHOW_ALL, _("All, closed too"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(status__in=[Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS])
        if self.value() == "overdue":
            return running.filter(resolution_due_at__lt=now)
        if self.value() == "soon":
            return running.filter(resolution_due_at__gte=now, at_risk_at__lte=now)
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset
