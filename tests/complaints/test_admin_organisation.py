"""Administrators manage categories, districts and staff in the admin; other roles never see these pages."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from complaints.models import Category
from municipality.models import District, Role, StaffProfile
from tests.factories import CENTRE_SQUARE, CategoryFactory, DepartmentFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", Role.ADMIN)


def user_add_data(**extra):
    data = {
        "username": "new_officer",
        "password1": "a-long-Pass-phrase-1",
        "password2": "a-long-Pass-phrase-1",
        "usable_password": "true",
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "0",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
    }
    data.update(extra)
    return data


def test_an_administrator_gives_a_new_user_a_staff_role(client, boss):
    roads = DepartmentFactory(code="roads")
    client.force_login(boss)
    response = client.post(
        reverse("admin:auth_user_add"),
        user_add_data(**{"staff_profile-0-role": Role.OFFICER, "staff_profile-0-department": roads.pk}),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    user = get_user_model().objects.get(username="new_officer")
    assert user.is_staff and not user.is_superuser
    assert user.staff_profile.role == Role.OFFICER and user.staff_profile.department == roads


def test_an_officer_role_without_a_department_is_refused_with_a_message(client, boss):
    client.force_login(boss)
    response = client.post(reverse("admin:auth_user_add"), user_add_data(**{"staff_profile-0-role": Role.OFFICER}))
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="new_officer").exists()
    assert not StaffProfile.objects.filter(user__username="new_officer").exists()


def test_an_administrator_cannot_grant_superuser(client, boss):
    clerk = make_user("clerk", Role.AGENT)
    client.force_login(boss)
    page = client.get(reverse("admin:auth_user_change", args=[clerk.pk]))
    assert "is_superuser" not in page.context["adminform"].form.fields
    root = make_user("root", superuser=True)
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code in (200, 403)
    assert client.post(reverse("admin:auth_user_change", args=[root.pk]), {"username": "hacked"}).status_code == 403


def test_a_district_boundary_must_be_a_valid_polygon(client, boss):
    client.force_login(boss)
    url = reverse("admin:municipality_district_add")
    base = {"code": "north", "name_ar": "الشمال", "name_en": "North"}
    bad = client.post(url, {**base, "polygon": json.dumps({"type": "Point", "coordinates": [42.7, 18.3]})})
    assert bad.status_code == 200 and "polygon" in bad.context["adminform"].form.errors
    crossed = {
        "type": "Polygon",
        "coordinates": [[[42.70, 18.27], [42.76, 18.33], [42.76, 18.27], [42.70, 18.33], [42.70, 18.27]]],
    }
    bad = client.post(url, {**base, "polygon": json.dumps(crossed)})
    assert bad.status_code == 200 and "polygon" in bad.context["adminform"].form.errors
    good = client.post(url, {**base, "polygon": json.dumps(CENTRE_SQUARE)})
    assert good.status_code == 302
    assert District.objects.get(code="north").polygon["type"] == "Polygon"
    page = client.get(reverse("admin:municipality_district_change", args=[District.objects.get(code="north").pk]))
    assert 'id="district-map"' in page.content.decode()


def test_the_category_tree_page_lists_sub_types_under_their_main_type(client, boss):
    sub = CategoryFactory()
    client.force_login(boss)
    page = client.get(reverse("admin:complaints_category_change", args=[sub.parent_id]))
    assert page.status_code == 200
    assert sub.code in page.content.decode()  # the inline of sub-types
    form = page.context["adminform"].form
    assert set(form.fields["parent"].queryset) == set(Category.objects.main_types())


@pytest.mark.parametrize("role", [Role.AGENT, Role.OFFICER, Role.COMMITTEE, Role.MAYOR])
def test_staff_roles_cannot_open_the_staff_pages(client, role):
    roads = DepartmentFactory(code="roads")
    user = make_user(f"u_{role}", role, department=roads if role == Role.OFFICER else None)
    client.force_login(user)
    assert client.get(reverse("admin:auth_user_change", args=[user.pk])).status_code == 403
    assert client.get(reverse("admin:municipality_district_add")).status_code == 403
