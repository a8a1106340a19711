"""Rule precedence and fallbacks: the most specific rule wins, then defaults, then triage."""

import pytest
from django.utils import translation

from complaints.models import Event
from routing.models import RoutingRule
from routing.rules import route_decision, route_dry_run
from tests.factories import (
    INSIDE,
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    MainCategoryFactory,
    UtilityFactory,
    submit,
)

pytestmark = pytest.mark.django_db

EAST = {"type": "Polygon", "coordinates": [[[42.73, 18.27], [42.76, 18.27], [42.76, 18.33], [42.73, 18.33], [42.73, 18.27]]]}
WEST = {"type": "Polygon", "coordinates": [[[42.70, 18.27], [42.73, 18.27], [42.73, 18.33], [42.70, 18.33], [42.70, 18.27]]]}


@pytest.fixture
def world():
    main = MainCategoryFactory(default_department=DepartmentFactory(code="main-default"))
    sub = CategoryFactory(parent=main, default_department=DepartmentFactory(code="sub-default"))
    east = DistrictFactory(code="east", polygon=EAST)
    west = DistrictFactory(code="west", polygon=WEST)
    triage = DepartmentFactory(code="triage", is_triage=True)
    return main, sub, east, west, triage


def rule(category, dept_code, *, district=None, order=100, active=True, utility=None):
    return RoutingRule.objects.create(
        category=category,
        district=district,
        order=order,
        active=active,
        department=None if utility else DepartmentFactory(code=dept_code),
        utility=utility,
    )


def owner_code(decision):
    return decision.owner.code if decision.owner else None


def test_each_level_of_precedence_beats_the_next(world):
    main, sub, east, west, triage = world
    rules = [
        rule(main, "main-any"),
        rule(main, "main-east", district=east),
        rule(sub, "sub-any"),
        rule(sub, "sub-east", district=east),
    ]
    expected = ["sub-east", "sub-any", "main-east", "main-any", "sub-default", "main-default", "triage"]
    for step, code in enumerate(expected):
        decision = route_decision(category=sub, district_id=east.pk)
        assert owner_code(decision) == code, f"step {step}"
        if rules:
            winner = rules.pop()
            assert decision.rule_id == winner.pk
            winner.delete()
        elif code == "sub-default":
            sub.default_department = None
            sub.save()
        elif code == "main-default":
            main.default_department = None
            main.save()
            sub.refresh_from_db()


def test_a_district_rule_does_not_apply_in_another_district(world):
    main, sub, east, west, triage = world
    rule(sub, "sub-east", district=east)
    assert owner_code(route_decision(category=sub, district_id=west.pk)) == "sub-default"
    assert owner_code(route_decision(category=sub, district_id=None)) == "sub-default"


def test_lower_order_wins_among_equally_specific_rules(world):
    main, sub, east, west, triage = world
    rule(sub, "later", order=20)
    first = rule(sub, "first", order=10)
    decision = route_decision(category=sub, district_id=None)
    assert owner_code(decision) == "first" and decision.rule_id == first.pk


def test_inactive_rules_and_rules_to_inactive_departments_are_ignored(world):
    main, sub, east, west, triage = world
    rule(sub, "switched-off", district=east, active=False)
    closed = rule(sub, "closed-department")
    closed.department.active = False
    closed.department.save()
    assert owner_code(route_decision(category=sub, district_id=east.pk)) == "sub-default"


def test_a_rule_to_a_utility_sets_the_utility(world):
    main, sub, east, west, triage = world
    water = UtilityFactory(code="water")
    rule(sub, "", district=east, utility=water)
    decision = route_decision(category=sub, district_id=east.pk)
    assert decision.utility == water and decision.department is None


def test_the_cache_sees_a_new_rule_and_an_edited_rule_at_once(world):
    main, sub, east, west, triage = world
    assert owner_code(route_decision(category=sub, district_id=east.pk)) == "sub-default"
    r = rule(sub, "new-rule")
    assert owner_code(route_decision(category=sub, district_id=east.pk)) == "new-rule"
    r.active = False
    r.save()
    assert owner_code(route_decision(category=sub, district_id=east.pk)) == "sub-default"


def test_submission_is_routed_and_the_event_names_the_rule(world):
    main, sub, east, west, triage = world
    r = rule(sub, "sub-east", district=east)
    complaint = submit(sub, lat=18.30, lon=42.745)
    assert complaint.status == "assigned" and complaint.department.code == "sub-east"
    assert complaint.district == east
    routed = complaint.events.get(kind=Event.Kind.ROUTED)
    assert routed.data["rule"] == r.pk
    assert routed.is_public and complaint.department.name in routed.text
    with translation.override("en"):
        assert f"Routing rule #{r.pk}" in route_decision(category=sub, district_id=east.pk).reason


def test_submission_routed_to_a_utility_by_a_rule(world):
    main, sub, east, west, triage = world
    water = UtilityFactory(code="water")
    rule(main, "", utility=water)
    complaint = submit(sub, lat=INSIDE[0], lon=INSIDE[1])
    assert complaint.utility == water and complaint.status == "assigned"


def test_dry_run_names_the_district_the_owner_and_the_rule(world):
    main, sub, east, west, triage = world
    r = rule(main, "main-west", district=west)
    result = route_dry_run(category=sub, lat=18.30, lon=42.71)
    assert result.inside and result.district == west
    assert owner_code(result.decision) == "main-west" and result.decision.rule_id == r.pk
    outside = route_dry_run(category=sub, lat=24.7, lon=46.7)
    assert not outside.inside and outside.district is None
