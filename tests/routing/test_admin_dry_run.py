"""The routing admin's dry run."""

import pytest
from django.urls import reverse

from complaints.models import Complaint
from municipality.models import Role
from routing.models import RoutingRule
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user

pytestmark = pytest.mark.django_db


def test_dry_run_in_the_admin_shows_the_owner_and_the_rule(client):
    district = DistrictFactory(code="centre")
    sub = CategoryFactory()
    rule = RoutingRule.objects.create(category=sub, district=district, department=DepartmentFactory(code="special"))
    client.force_login(make_user("boss", Role.ADMIN))
    changelist = client.get(reverse("admin:routing_routingrule_changelist"))
    assert changelist.status_code == 200 and reverse("admin:routing_routingrule_dry_run") in changelist.content.decode()
    page = client.get(reverse("admin:routing_routingrule_dry_run"), {"category": sub.pk, "lat": 18.30, "lon": 42.73})
    html = page.content.decode()
    assert page.status_code == 200
    assert rule.department.name in html and f"#{rule.pk}" in html and district.name in html
    assert Complaint.objects.count() == 0  # nothing was filed


def test_dry_run_is_refused_to_other_roles(client):
    client.force_login(make_user("officer", Role.OFFICER, department=DepartmentFactory()))
    assert client.get(reverse("admin:routing_routingrule_dry_run")).status_code == 403
