"""The admin's CSV export and the committee's exports share one writer: no cell is a live formula."""

import csv
import io

import pytest
from django.urls import reverse

from complaints.models import Complaint
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_an_address_or_a_name_that_looks_like_a_formula_is_written_as_text(client):
    DistrictFactory()
    report = submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), reporter_name="@SUM(1+1)")
    Complaint.objects.filter(pk=report.pk).update(address='=HYPERLINK("http://evil.example","click")')
    client.force_login(make_user("boss", Role.ADMIN))
    response = client.get(reverse("admin:complaints_complaint_export"))
    assert response.status_code == 200
    body = rows(response)
    cells = [cell for row in body[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "@", "+")) for cell in cells)
