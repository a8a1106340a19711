import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from complaints.models import Category, Complaint
from complaints.workflow import Status
from demo.data import DEMO_PASSWORD, USERS
from municipality.geo import district_id_for_point
from municipality.models import Department, District, StaffProfile, Utility


@pytest.fixture
def seeded(db):
    call_command("seed_demo", complaints=40, stdout=open("/dev/null", "w"))


def test_demo_municipality_is_complete(seeded):
    assert Department.objects.count() >= 8
    assert set(Utility.objects.values_list("kind", flat=True)) >= {"water", "electricity", "telecom"}
    assert Category.objects.filter(parent__isnull=False).count() >= 25
    assert not Category.objects.filter(parent__isnull=False, default_department__isnull=True).exists()
    assert district_id_for_point(18.30, 42.73) is not None
    names = set(Category.objects.values_list("name_ar", flat=True))
    assert {"حفرة", "إنارة معطلة", "الكلاب الضالة", "مبنى آيل للسقوط"} <= names


def test_every_demo_login_works_with_its_role(seeded):
    for username, role, *_rest in USERS:
        user = authenticate(RequestFactory().post("/admin/login/"), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert StaffProfile.objects.get(user=user).role == role
    assert StaffProfile.objects.get(user__username="water").utility.code == "nwc"
    assert StaffProfile.objects.get(user__username="roads").department.code == "roads"


def test_demo_reports_are_spread_and_seeding_again_changes_nothing(seeded):
    count = Complaint.objects.count()
    assert count == 40
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert Status.CLOSED in statuses and len(statuses) >= 3
    assert len(set(Complaint.objects.values_list("channel", flat=True))) >= 3
    assert Complaint.objects.filter(utility__code="nwc").exists()
    assert not Complaint.objects.filter(department__isnull=True, utility__isnull=True).exists()
    first_numbers = set(Complaint.objects.values_list("tracking_number", flat=True))

    call_command("seed_demo", complaints=40, stdout=open("/dev/null", "w"))
    assert Complaint.objects.count() == count
    assert set(Complaint.objects.values_list("tracking_number", flat=True)) == first_numbers
    assert District.objects.count() >= 5 and Department.objects.filter(code="roads").count() == 1
