from __future__ import annotations

from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from django.utils import translation

from channels.api_keys.services import api_key_create
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory, Role, make_user


@pytest.fixture(autouse=True)
def _language_does_not_leak():
    """Requests switch the active language (Accept-Language); the next test starts as this one did."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def make_key(db):
    def make(name="FixMyStreet Aseer", scopes=("open311",)):
        return api_key_create(name=name, scopes=list(scopes))

    return make


@pytest.fixture
def town(db):
    """One district around the demo point, Roads with a pothole sub-type, a key for an Open311 client."""
    DistrictFactory(code="centre", name_ar="الوسط", name_en="Centre")
    roads = DepartmentFactory(code="roads", name_ar="إدارة الطرق", name_en="Roads department")
    main = MainCategoryFactory(code="roads", name_ar="الطرق", name_en="Roads")
    pothole = CategoryFactory(code="roads-potholes", name_ar="حفرة", name_en="Pothole", parent=main, default_department=roads)
    lights = CategoryFactory(code="roads-lights", name_ar="إنارة", name_en="Street light", parent=main, default_department=roads)
    return SimpleNamespace(
        roads=roads, main=main, pothole=pothole, lights=lights, admin=make_user("boss", Role.ADMIN, superuser=False)
    )


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()
