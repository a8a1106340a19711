"""The routing rules' cache sees every change of what it reads."""

import pytest

from municipality.models import Department
from routing.rules import route_decision, rules_cache
from tests.factories import CategoryFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def test_renaming_a_department_to_a_name_of_the_same_length_is_seen():
    roads = DepartmentFactory(code="roads", name_ar="إدارة الطرق", name_en="Roads")
    category = CategoryFactory(default_department=roads)
    assert route_decision(category=category, district_id=None).department.name_en == "Roads"
    renamed = Department.objects.get(pk=roads.pk)
    renamed.name_en = "Paths"  # five letters, like "Roads"
    renamed.save()
    assert route_decision(category=category, district_id=None).department.name_en == "Paths"


def test_a_department_switched_off_and_on_again_is_seen():
    roads = DepartmentFactory(code="roads")
    CategoryFactory(default_department=roads)
    before = rules_cache().version
    Department.objects.filter(pk=roads.pk).update(active=False)
    roads.refresh_from_db()
    roads.active = True
    roads.save()
    assert rules_cache().version != before
