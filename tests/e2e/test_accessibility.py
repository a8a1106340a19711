"""axe-core in real Chromium: the citizen pages and the committee's /reports/ have no serious or
critical accessibility violations, in Arabic and in English, on a phone and on a desktop."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints import services
from municipality.models import Role
from tests.browser import js_errors, log_in, open_page
from tests.factories import CategoryFactory, DistrictFactory, MainCategoryFactory, make_user, submit

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: the pages' CSP (no inline script) stays on while axe runs.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def town(transactional_db):

    DistrictFactory()
    main = MainCategoryFactory(name_ar="الطرق", name_en="Roads", icon="roads")
    pothole = CategoryFactory(parent=main, name_ar="حفرة", name_en="Pothole")
    report = submit(pothole, phone="0501234567")
    officer = make_user("roads", Role.OFFICER, department=report.department)
    services.complaint_start(complaint=report, actor=officer)
    services.complaint_resolve(complaint=report, actor=officer, note="تم الإصلاح", photo=None)
    return {"report": report, "committee": make_user("chair", Role.COMMITTEE)}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_citizen_pages_and_reports_have_no_serious_violations(live_server, town, language, width):
    pages = ["/", "/track/", f"/track/{town['report'].token}/", "/figures/", "/no-such-page/"]
    found = {}
    with open_page(live_server, locale="ar", viewport=(width, 900)) as page:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in pages:
            page.goto(live_server.url + path)
            found[path] = violations(page)
        log_in(page, live_server, town["committee"])
        for path in ("/reports/", "/reports/weekly/"):
            page.goto(live_server.url + path)
            found[path] = violations(page)
        assert js_errors(page) == []
    assert {path: v for path, v in found.items() if v} == {}
