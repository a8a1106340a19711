"""Private files tried from outside: no plain /media/ URL, photos through role checks and expiring links."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from complaints.files import PUBLIC_SALT
from complaints.photo_stash import PhotoStash
from complaints.photos import clean_photo
from municipality.models import Role
from reports import services
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, photo_file, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    DistrictFactory()
    return submit(CategoryFactory(default_department=DepartmentFactory(code="roads")), photos=[photo_file()])


def test_media_files_are_not_served_at_their_storage_address(client, report):
    attachment = report.attachments.get()
    assert client.get(attachment.file.url).status_code == 404
    assert client.get("/media/reports/weekly/balagh-weekly-2026-11-29.pdf").status_code == 404


def test_the_weekly_pdf_is_only_behind_the_committee_view(report):
    from django.core.files.base import ContentFile

    weekly = services.weekly_report_compile(week_start=services.last_complete_week_start(), render_pdf=False)
    weekly.pdf.save("x.pdf", ContentFile(b"%PDF-1.4 committee only"), save=True)
    week = f"{weekly.week_start:%Y-%m-%d}"
    assert Client().get(weekly.pdf.url).status_code == 404  # the predictable file address
    assert Client().get(f"/reports/weekly/{week}/pdf/").status_code == 302  # to the login page
    officer = Client()
    officer.force_login(make_user("roads", Role.OFFICER, department=report.department))
    assert officer.get(f"/reports/weekly/{week}/pdf/").status_code == 403
    committee = Client()
    committee.force_login(make_user("committee", Role.COMMITTEE))
    response = committee.get(f"/reports/weekly/{week}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_staff_see_photos_of_reports_they_may_view_only(report):
    attachment = report.attachments.get()
    url = reverse("citizen:staff_photo", args=[attachment.pk])
    anonymous = Client()
    assert anonymous.get(url).status_code == 302
    other = Client()
    other.force_login(make_user("cleaning", Role.OFFICER, department=DepartmentFactory(code="cleaning")))
    assert other.get(url).status_code == 404
    mine = Client()
    mine.force_login(make_user("roads", Role.OFFICER, department=report.department))
    response = mine.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    page = mine.get(reverse("admin:complaints_complaint_change", args=[report.pk])).content.decode()
    assert url in page and attachment.file.url not in page


def test_tracking_pages_give_signed_links_that_expire(client, report, settings):
    html = client.get(reverse("citizen:track", args=[report.token])).content.decode()
    [link] = re.findall(r'src="(/track/photo/[^"]+)"', html)
    assert client.get(link).status_code == 200
    forged = reverse("citizen:photo", args=[signing.dumps(report.attachments.get().pk + 1, salt="other", compress=False)])
    assert client.get(forged).status_code == 404
    settings.BALAGH_PHOTO_LINK_SECONDS = -1  # every link is already too old
    assert client.get(link).status_code == 404


def test_an_internal_photo_has_no_public_link(client, report):
    attachment = report.attachments.get()
    attachment.is_public = False
    attachment.save(update_fields=["is_public"])
    link = reverse("citizen:photo", args=[signing.dumps(attachment.pk, salt=PUBLIC_SALT, compress=False)])
    assert client.get(link).status_code == 404


def test_form_previews_are_signed_links_to_the_visitors_own_stash(client):

    stash = PhotoStash()
    name = stash.add(clean_photo(photo_file()))
    [preview] = stash.photos()
    assert client.get(preview["url"]).status_code == 200
    assert client.get(f"/media/tmp/{stash.token}/{name}").status_code == 404
    guessed = reverse("citizen:stash_photo", args=[signing.dumps([stash.token, name], salt="wrong", compress=False)])
    assert client.get(guessed).status_code == 404
    stash.discard()
