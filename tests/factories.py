"""Factories for test data. Build whole, valid objects with as little typing as possible."""

from __future__ import annotations

import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from complaints.models import Category, Complaint
from complaints.services import Submission, complaint_submit
from municipality.models import Department, District, Role, StaffProfile, Utility

# A square around the demo point (lat 18.30, lon 42.73).
CENTRE_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[42.70, 18.27], [42.76, 18.27], [42.76, 18.33], [42.70, 18.33], [42.70, 18.27]]],
}
INSIDE = (18.30, 42.73)
OUTSIDE = (24.71, 46.67)  # Riyadh


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name_ar = factory.Sequence(lambda n: f"إدارة {n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")


class UtilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utility
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"utility-{n}")
    name_ar = factory.Sequence(lambda n: f"شركة {n}")
    name_en = factory.Sequence(lambda n: f"Company {n}")
    kind = Utility.Kind.WATER


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"district-{n}")
    name_ar = factory.Sequence(lambda n: f"حي {n}")
    name_en = factory.Sequence(lambda n: f"District {n}")
    polygon = factory.LazyFunction(lambda: dict(CENTRE_SQUARE))


class MainCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"main-{n}")
    name_ar = factory.Sequence(lambda n: f"نوع {n}")
    name_en = factory.Sequence(lambda n: f"Type {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    """A sub-type with a default department."""

    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sub-{n}")
    name_ar = factory.Sequence(lambda n: f"نوع فرعي {n}")
    name_en = factory.Sequence(lambda n: f"Sub-type {n}")
    parent = factory.SubFactory(MainCategoryFactory)
    default_department = factory.SubFactory(DepartmentFactory)
    response_hours = 24
    resolution_hours = 72


def make_user(username: str, role: str | None = None, *, department=None, utility=None, superuser=False, password="pw"):
    User = get_user_model()
    user = User.objects.create_user(
        username=username, password=password, is_staff=role is not None or superuser, is_superuser=superuser
    )
    if role is not None:
        StaffProfile.objects.create(user=user, role=role, department=department, utility=utility)
    return user


def submit(category=None, *, phone="0501234567", lat=INSIDE[0], lon=INSIDE[1], actor=None, **kwargs) -> Complaint:
    """File a report through the real service."""
    category = category or CategoryFactory()
    sub = Submission(
        category=category,
        description=kwargs.pop("description", "حفرة عميقة أمام المسجد تعيق السير"),
        lat=lat,
        lon=lon,
        reporter_name=kwargs.pop("reporter_name", "محمد"),
        reporter_phone=phone,
        **kwargs,
    )
    return complaint_submit(submission=sub, actor=actor)


def photo_file(name="photo.jpg", size=(64, 48), fmt="JPEG", exif: bytes | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {"exif": exif} if exif else {}
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


__all__ = [
    "CENTRE_SQUARE",
    "INSIDE",
    "OUTSIDE",
    "DepartmentFactory",
    "UtilityFactory",
    "DistrictFactory",
    "MainCategoryFactory",
    "CategoryFactory",
    "make_user",
    "submit",
    "photo_file",
    "Role",
    "timezone",
]
