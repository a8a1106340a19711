"""One language per page: the project's catalogue never overrides Django's or a library's own strings.

Our locale/ comes first when Django merges catalogues, so a plain msgid we share with Django
("Change", "Delete", "Type"…) would replace Django's translation on every admin page (every
"Change" link read "التغير"). Such strings carry a context (pgettext) in our code instead.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

ADMIN_CATALOGUE = Path(django.__file__).parent / "contrib" / "admin" / "locale" / "ar" / "LC_MESSAGES" / "django.mo"


def catalogue(path: Path) -> dict:
    with path.open("rb") as fh:
        return gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]  # the parsed catalogue is private in the stubs


def their_catalogues(language: str = "ar") -> dict[Path, dict]:
    folders = [Path(django.__file__).parent / "conf" / "locale"]
    folders += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    ours = {Path(p).resolve() for p in settings.LOCALE_PATHS}
    found = {}
    for folder in folders:
        mo = folder / language / "LC_MESSAGES" / "django.mo"
        if mo.exists() and folder.resolve() not in ours and mo.resolve().parent.parent.parent not in ours:
            found[mo] = catalogue(mo)
    return found


def test_the_arabic_admin_reads_djangos_own_translations():
    theirs = catalogue(ADMIN_CATALOGUE)
    differ = []
    with translation.override("ar"):
        for key, expected in theirs.items():
            if isinstance(key, tuple) or not key:
                continue  # plural forms are checked below; "" is the header
            if "\x04" in key:
                context, msgid = key.split("\x04", 1)
                got = translation.pgettext(context, msgid)
            else:
                msgid, got = key, translation.gettext(key)
            if got != expected:
                differ.append((msgid, got, expected))
        assert translation.gettext("Change") == "تعديل"  # the link on every admin list row
    assert differ == []


def test_no_plain_project_msgid_shadows_django_or_a_library():
    ours = catalogue(Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES" / "django.mo")
    plain = {key for key in ours if isinstance(key, str) and key and "\x04" not in key}
    shadowing = sorted(
        f"{key!r} (also in {mo.parts[-5]})" for mo, theirs in their_catalogues().items() for key in plain & set(theirs)
    )
    assert shadowing == [], "use pgettext with a context for: " + ", ".join(shadowing)


@pytest.mark.parametrize("path", ["/admin/"])
def test_the_admin_change_links_read_tadil(admin_client, path):
    with translation.override("ar"):
        page = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "تعديل" in page and "التغير" not in page


def test_the_periodic_tasks_section_is_named_in_arabic(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "المهام الدورية" in page and "Periodic Tasks" not in page


def test_the_periodic_tasks_models_are_named_in_arabic(admin_client):
    page = admin_client.get("/admin/").content.decode()
    for arabic in ("الفواصل الزمنية", "جداول التوقيت", "الأحداث الشمسية", "مواعيد محددة"):
        assert arabic in page
    for english in (">Intervals<", ">Crontabs<", ">Solar events<", ">Clocked<", ">Periodic tasks<"):
        assert english not in page


def test_every_channel_reads_in_arabic_letters_on_arabic_pages():
    """The channel names show on the admin list, its filter and the dashboard: "Open311" read in English."""
    from complaints.models import Channel

    with translation.override("ar"):
        latin = {str(c.label) for c in Channel if re.search("[A-Za-z]", str(c.label))}
    assert latin == set()
