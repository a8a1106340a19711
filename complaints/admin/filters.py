"""The report list's filters."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import access
from complaints.models import Category
from complaints.workflow import OPEN_STATUSES, Status
from municipality.models import Role


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """Only the options present in the user's own reports."""


class MainTypeFilter(admin.SimpleListFilter):
    title = _("main type")
    parameter_name = "main_type"

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).values("category__parent_id")
        return [(c.pk, c.name) for c in Category.objects.main_types().filter(pk__in=ids)]

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
