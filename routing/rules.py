"""The routing decision: which department or utility gets a report of a type at a place.

The decision reads a per-process cache of the active rules (rebuilt when a rule, a
department or a utility changes: one cheap version query, at most every
``BALAGH_ROUTING_RECHECK_SECONDS``), so routing one report costs a few dictionary look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from complaints.models import Category
from municipality.cache import VersionedCache
from municipality.geo import district_id_for_point, inside_municipality
from municipality.models import Department, District, Utility
from routing.models import RoutingRule


@dataclass(frozen=True)
class RouteDecision:
    department: Department | None
    utility: Utility | None
    reason: str
    rule_id: int | None = None
    basis: str = ""  # "rule", "type", "main_type" or "triage" (complaints.event_texts renders it)

    @property
    def owner(self):
        return self.utility or self.department


@dataclass(frozen=True)
class _Rule:
    pk: int
    department_id: int | None
    utility_id: int | None
    label: str


@dataclass
class _RuleCache:
    version: tuple
    # (category id, district id or None) -> the rule that wins there (lowest order, then pk).
    best: dict[tuple[int, int | None], _Rule]
    departments: dict[int, Department]  # active ones
    utilities: dict[int, Utility]  # active ones
    triage: Department | None


def _rules_version() -> tuple:
    """A fingerprint of everything the decision reads besides the category: one query."""

    tables = [connection.ops.quote_name(m._meta.db_table) for m in (RoutingRule, Department, Utility)]
    # Every save of a rule, a department or a utility bumps its updated_at; a deleted row lowers the count.
    parts = ", ".join(f"(SELECT COUNT(*) AS n, MAX(updated_at) AS m FROM {table}) t{i}" for i, table in enumerate(tables))
    columns = ", ".join(f"t{i}.n, t{i}.m" for i in range(len(tables)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {parts}")
        return tuple(str(v) for v in cursor.fetchone())


def _build_rules(version: tuple) -> _RuleCache:

    departments = {d.pk: d for d in Department.objects.filter(active=True)}
    utilities = {u.pk: u for u in Utility.objects.filter(active=True)}
    best: dict[tuple[int, int | None], _Rule] = {}
    rules = (
        RoutingRule.objects.filter(active=True)
        .select_related("category", "district", "department", "utility")
        .order_by("order", "pk")
    )
    for rule in rules:
        if rule.department_id and rule.department_id not in departments:
            continue
        if rule.utility_id and rule.utility_id not in utilities:
            continue
        key = (rule.category_id, rule.district_id)
        if key not in best:  # ordered by (order, pk): the first one wins
            best[key] = _Rule(rule.pk, rule.department_id, rule.utility_id, str(rule))
    triage = next((d for d in sorted(departments.values(), key=lambda d: d.pk) if d.is_triage), None)
    return _RuleCache(version, best, departments, utilities, triage)


_rules_cache: VersionedCache[_RuleCache] = VersionedCache(version=_rules_version, build=_build_rules)


def rules_cache(*, check: bool = True) -> _RuleCache:
    return _rules_cache.get(check=check)


def invalidate_rules() -> None:
    _rules_cache.invalidate()


def route_decision(*, category: Category, district_id: int | None) -> RouteDecision:
    """Who gets a report of ``category`` in ``district_id``.

    Most specific first: sub-type + district, sub-type + any district, main type +
    district, main type + any district (each: lowest ``order`` wins); then the
    sub-type's default department, the main type's; then the triage queue.
    """
    cache = rules_cache()
    candidates = [category.pk]
    if category.parent_id:
        candidates.append(category.parent_id)
    for category_id in candidates:
        for key in ((category_id, district_id), (category_id, None)) if district_id else ((category_id, None),):
            rule = cache.best.get(key)
            if rule is not None:
                return RouteDecision(
                    cache.departments.get(rule.department_id) if rule.department_id else None,
                    cache.utilities.get(rule.utility_id) if rule.utility_id else None,
                    _("Routing rule #%(id)s: %(rule)s") % {"id": rule.pk, "rule": rule.label},
                    rule.pk,
                    "rule",
                )
    if category.default_department_id in cache.departments:
        return RouteDecision(
            cache.departments[category.default_department_id], None, _("Default department of the category"), basis="type"
        )
    parent = category.parent if category.parent_id else None
    if parent is not None and parent.default_department_id in cache.departments:
        return RouteDecision(
            cache.departments[parent.default_department_id], None, _("Default department of the main type"), basis="main_type"
        )
    return RouteDecision(cache.triage, None, _("No owner found: triage queue"), basis="triage")


@dataclass(frozen=True)
class DryRun:
    decision: RouteDecision
    district: District | None
    inside: bool


def route_dry_run(*, category: Category, lat: float, lon: float) -> DryRun:
    """ "Who gets this sub-type at this point?" — the same decision as a submission, without filing anything."""

    district_id = district_id_for_point(lat, lon)
    district = District.objects.filter(pk=district_id).first() if district_id else None
    return DryRun(route_decision(category=category, district_id=district_id), district, inside_municipality(lat, lon))
