"""The admin's report list: one annotated queryset, filters that show only the user's options."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.models import Attachment, Complaint
from municipality.models import Role
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    DistrictFactory,
    UtilityFactory,
    make_user,
    photo_file,
    submit,
)

pytestmark = pytest.mark.django_db


def list_url():
    return reverse("admin:complaints_complaint_changelist")


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads, t.cleaning = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    t.water = UtilityFactory(code="water")
    t.types = [CategoryFactory(default_department=t.roads), CategoryFactory(default_department=t.roads)]
    t.other_type = CategoryFactory(default_department=t.cleaning)
    t.officer = make_user("officer", Role.OFFICER, department=t.roads)
    t.admin = make_user("boss", Role.ADMIN)
    return t


def add_reports(t, count: int) -> None:
    """Varied reports: two types, photos on some, a utility referral, some started."""
    for i in range(count):
        kwargs = {"photos": [photo_file()]} if i % 3 == 0 else {}
        c = submit(t.types[i % 2], description=f"Report number {i} about a broken road", **kwargs)
        if i % 4 == 1:
            services.complaint_start(complaint=c, actor=t.officer)
        if i % 5 == 2:
            services.complaint_refer(complaint=c, actor=t.officer, utility=t.water, reason="Water leak")


def count_list_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(list_url(), params or {"due": "open"})  # where a working role lands
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_the_list_query_count_does_not_grow_with_rows(client, town, who):
    client.force_login(getattr(town, who))
    add_reports(town, 5)
    count_list_queries(client)  # warm caches (content types, sessions)
    few = count_list_queries(client)
    add_reports(town, 25)
    many = count_list_queries(client)
    assert few == many, f"{few} queries for 5 reports, {many} for 30"
    # Same with filters and a search.
    params = {"status__exact": "assigned", "q": "road"}
    assert count_list_queries(client, params) == count_list_queries(client, params)


def test_the_list_shows_badges_owner_due_time_and_photo_count(client, town):
    c = submit(town.types[0], photos=[photo_file(), photo_file("b.jpg")])
    client.force_login(town.officer)
    page = client.get(list_url(), follow=True).content.decode()
    assert c.tracking_number in page
    assert "balagh-status-assigned" in page
    assert "balagh-due-ok" in page
    assert re.search(r'class="balagh-photos"[^>]*>.*?</svg>\s*2</span>', page, re.S)
    assert town.roads.name in page
    assert Attachment.objects.filter(complaint=c).count() == 2


def test_an_overdue_report_is_marked(client, town):
    from datetime import timedelta

    from django.utils import timezone

    c = submit(town.types[0])
    Complaint.objects.filter(pk=c.pk).update(resolution_due_at=timezone.now() - timedelta(hours=2))
    client.force_login(town.officer)
    page = client.get(list_url(), follow=True).content.decode()
    assert "balagh-due-overdue" in page
    page = client.get(list_url(), {"due": "overdue"}).content.decode()
    assert c.tracking_number in page


def test_filters_offer_only_the_users_own_options(client, town):
    submit(town.types[0])
    submit(town.types[1])
    submit(town.other_type, description="Garbage by the park gate")
    client.force_login(town.officer)
    response = client.get(list_url(), follow=True)
    specs = response.context["cl"].filter_specs
    department_filter = next(s for s in specs if getattr(s, "field_path", "") == "department")
    offered = {pk for pk, _label in department_filter.lookup_choices}
    assert offered == {town.roads.pk}
    category_filter = next(s for s in specs if getattr(s, "field_path", "") == "category")
    assert {pk for pk, _label in category_filter.lookup_choices} == {town.types[0].pk, town.types[1].pk}


def test_filtering_by_main_type_and_department(client, town):
    mine = submit(town.types[0])
    other = submit(town.types[1], description="Another broken road surface")
    client.force_login(town.admin)
    page = client.get(list_url(), {"main_type": town.types[0].parent_id}).content.decode()
    assert mine.tracking_number in page and other.tracking_number not in page
    page = client.get(list_url(), {"department__id__exact": town.roads.pk}).content.decode()
    assert mine.tracking_number in page and other.tracking_number in page


def test_the_admin_role_sees_every_department(client, town):
    a = submit(town.types[0])
    b = submit(town.other_type, description="Garbage by the park gate")
    client.force_login(town.admin)
    page = client.get(list_url(), follow=True).content.decode()
    assert a.tracking_number in page and b.tracking_number in page
