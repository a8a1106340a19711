"""One date format in both languages on every page, and Western digits on every page (docs/languages.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from municipality.models import Role
from municipality.times import RIYADH, local_minute
from tests.factories import make_user, submit

pytestmark = pytest.mark.django_db

ARABIC_INDIC_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
OWN_FORMAT = re.compile(r"""\|date:["']([^"']*)["']""")
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "c"}  # "c": machine-readable (datetime="…" attributes)


def test_no_template_writes_its_own_date_format():
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            for fmt in OWN_FORMAT.findall(path.read_text()):
                if fmt not in NAMED:
                    found.append(f"{path.name}: {fmt}")
    assert found == []


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_tracking_page_the_admin_list_and_the_report_page_write_a_moment_alike(client, language):
    complaint = submit()
    moment = local_minute(complaint.created_at)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", moment)
    assert moment == timezone.localtime(complaint.created_at, RIYADH).strftime("%Y-%m-%d %H:%M")
    client.cookies["django_language"] = language

    tracking = client.get(reverse("citizen:track", args=[complaint.token])).content.decode()
    officer = make_user("officer", Role.OFFICER, department=complaint.department)
    client.force_login(officer)
    listing = client.get(reverse("admin:complaints_complaint_changelist"), {"status__exact": "assigned"}).content.decode()
    report = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    for page in (tracking, listing, report):
        assert moment in page
        assert not ARABIC_INDIC_DIGITS.search(page)
    # The timeline's time reads left to right in an Arabic page too: the same order as in the lists.
    assert f'dir="ltr" datetime="{complaint.created_at.astimezone(RIYADH).isoformat()}">{moment}</time>' in tracking
    month_names = ("December", "November", "ديسمبر", "نوفمبر", "كانون")
    assert not any(f"{name} {complaint.created_at.year}" in tracking for name in month_names)


def test_the_arabic_catalogue_writes_western_digits():
    catalogue = Path(settings.BASE_DIR, "locale", "ar", "LC_MESSAGES", "django.po").read_text()
    assert ARABIC_INDIC_DIGITS.findall(catalogue) == []


def test_every_date_and_time_keeps_its_order_in_a_right_to_left_line():
    """ "2026-11-25 14:20" in an Arabic line reads "14:20 2026-11-25" unless it is isolated left to right."""
    loose = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r'\|date:"DATETIME_FORMAT"', line):
                isolated = line[match.end() :].startswith("|ltr") or 'dir="ltr"' in line[: match.start()]
                if not isolated:
                    loose.append(f"{path.name}:{number}")
    assert loose == []


def test_the_ltr_filter_isolates_a_moment():
    from municipality.templatetags.balagh_dates import ltr

    assert ltr("2026-11-25 14:20") == "\u20662026-11-25 14:20\u2069"
    assert ltr("") == "" and ltr(None) == ""
