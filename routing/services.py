"""Who gets a report: the routing decision made at submission."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from municipality.models import Department, Utility


@dataclass(frozen=True)
class RouteDecision:
    department: Department | None
    utility: Utility | None
    reason: str
    rule_id: int | None = None

    @property
    def owner(self):
        return self.utility or self.department


def triage_department() -> Department | None:
    return Department.objects.filter(is_triage=True, active=True).order_by("pk").first()


def route_decision(*, category, district_id: int | None) -> RouteDecision:
    """The category's default department, else the triage queue."""
    if category.default_department_id and category.default_department.active:
        return RouteDecision(category.default_department, None, _("Default department of the category"))
    parent = category.parent
    if parent is not None and parent.default_department_id and parent.default_department.active:
        return RouteDecision(parent.default_department, None, _("Default department of the main type"))
    return RouteDecision(triage_department(), None, _("No owner found: triage queue"))
