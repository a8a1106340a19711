"""The citizen form with the keyboard alone, in real Chromium: Tab, Shift+Tab, Space, Enter and the
arrow keys, never a click. Every control the keyboard reaches shows where the focus is (an outline
or a shadow on it or on its card), and every control of the form has a label."""

from __future__ import annotations

import pytest

from tests.browser import js_errors, open_page

pytestmark = pytest.mark.browser

# The focused element, the thing drawn around it (the element itself, or the card or label around a
# hidden radio), and whether that shows an outline or a shadow.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "BODY", shown: false};
  const drawn = (node) => {
    const s = getComputedStyle(node);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return outline || (s.boxShadow && s.boxShadow !== "none");
  };
  let shown = false;
  for (let node = el, i = 0; node && i < 3 && !shown; node = node.parentElement, i++) shown = drawn(node);
  return {tag: el.tagName, id: el.id, name: el.getAttribute("name"), cls: String(el.className), shown: shown};
}"""

UNLABELLED = """() => {
  const form = document.getElementById("report-form");
  const missing = [];
  form.querySelectorAll("input, textarea, select, button").forEach((el) => {
    if (el.type === "hidden") return;
    const text = (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
           .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim()
      || Array.from(el.labels || []).map((l) => l.textContent).join(" ").trim()
      || (el.tagName === "BUTTON" ? el.textContent.trim() : "");
    if (!text) missing.push(el.outerHTML.slice(0, 120));
  });
  return missing;
}"""


def tab_to(page, selector: str, *, seen: list, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab until ``selector`` has the focus, checking each stop shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUS_SHOWN)
        seen.append(state)
        assert state["shown"], f"no visible focus on {state}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; went through {seen[-limit:]}")


@pytest.fixture
def town(transactional_db):
    from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, MainCategoryFactory

    department = DepartmentFactory(code="roads", name_ar="إدارة الطرق", name_en="Roads department")
    DistrictFactory(code="centre", name_ar="حي المركز", name_en="Centre")
    roads = MainCategoryFactory(code="roads", name_ar="الطرق والأرصفة", name_en="Roads", icon="roads")
    MainCategoryFactory(code="lighting", name_ar="الإنارة", name_en="Lighting", icon="lighting")
    CategoryFactory(code="pothole", parent=roads, name_ar="حفرة في الطريق", name_en="Pothole", default_department=department)
    CategoryFactory(
        code="sidewalk", parent=roads, name_ar="رصيف متضرر", name_en="Damaged sidewalk", default_department=department
    )


@pytest.mark.parametrize("language, width", [("ar", 390), ("en", 1280)])
def test_a_citizen_files_a_report_with_the_keyboard_alone(live_server, town, language, width):
    from complaints.models import Complaint

    seen: list = []
    with open_page(live_server, locale="ar", viewport=(width, 900)) as page:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(live_server.url + "/")
        assert page.evaluate(UNLABELLED) == []

        # 1. the main type: Tab into the cards, the arrow keys choose among them, Space picks one
        tab_to(page, 'input[name="main_type"]', seen=seen)
        page.keyboard.press("ArrowDown")  # the second card ("Lighting")…
        page.keyboard.press("ArrowUp")  # …and back to the first: arrows move the choice, as in any radio group
        page.keyboard.press("Space")
        page.locator("#step-subtype.is-current").wait_for()

        # 2. the sub-type
        tab_to(page, 'input[name="category"]:not([hidden])', seen=seen)
        page.keyboard.press("Space")
        page.locator("#step-location.is-current").wait_for()

        # 3. the place: the map takes the focus, the arrows move it, Enter puts the pin in its centre
        tab_to(page, "#report-map", seen=seen)
        assert page.locator(".keyboard-hint").is_visible()  # said on screen while the map has the focus
        for _ in range(2):
            page.keyboard.press("ArrowDown")
        page.wait_for_timeout(400)  # the pan animation
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('id_lat').value !== ''")
        tab_to(page, "#step-location [data-next]", seen=seen)
        page.keyboard.press("Enter")
        page.locator("#step-details.is-current").wait_for()

        # 4. the description (photos are optional)
        tab_to(page, "#id_description", seen=seen)
        page.keyboard.type(
            "حفرة عميقة في منتصف الطريق أمام المسجد" if language == "ar" else "A deep pothole in front of the mosque"
        )
        tab_to(page, "#step-details [data-next]", seen=seen)
        page.keyboard.press("Enter")
        page.locator("#step-contact.is-current").wait_for()

        # 5. contact: name and mobile, then "Review my report"
        tab_to(page, "#id_reporter_name", seen=seen)
        page.keyboard.type("Mohammed")
        tab_to(page, "#id_reporter_phone", seen=seen)
        page.keyboard.type("0501234567")
        tab_to(page, 'button[name="review"]', seen=seen)
        page.keyboard.press("Enter")

        # The confirm page: Tab to "Send", Enter.
        page.wait_for_selector("[data-confirm-form]")
        assert Complaint.objects.count() == 0
        tab_to(page, 'button[name="submit"]', seen=seen)
        page.keyboard.press("Enter")
        number = page.locator("[data-tracking-number]")
        number.wait_for()
        shown_number = number.inner_text().strip()
        assert js_errors(page) == []

    complaint = Complaint.objects.get()
    assert shown_number == complaint.tracking_number
    assert complaint.category.code == "pothole" and complaint.reporter_phone == "+966501234567"
    assert complaint.district is not None  # the pin landed inside the city
    stops = {s["tag"] for s in seen}
    assert {"INPUT", "BUTTON", "TEXTAREA", "DIV"} <= stops  # radios, buttons, the description and the map
