"""Category icons are drawn (SVG), and the UI font travels with the site: no emoji font, no CDN needed."""

from __future__ import annotations

import re

import pytest

from tests.browser import js_errors, open_page
from tests.factories import CategoryFactory, MainCategoryFactory

pytestmark = pytest.mark.django_db
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@pytest.fixture
def types():

    roads = MainCategoryFactory(code="roads", name_ar="الطرق", name_en="Roads", icon="🛣️")
    CategoryFactory(parent=roads, name_ar="حفرة", name_en="Pothole")
    other = MainCategoryFactory(code="new-type", name_ar="نوع جديد", name_en="New type", icon="")
    CategoryFactory(parent=other, name_ar="فرعي", name_en="Sub")
    return roads


def test_the_form_draws_each_types_icon_and_shows_no_emoji(client, types):
    page = client.get("/").content.decode()
    assert "icons/categories.svg#roads" in page and "icons/categories.svg#pin" in page
    cards = page.split('id="step-type"', 1)[1].split("</section>", 1)[0]
    assert not EMOJI.search(cards)


def test_the_fonts_are_served_from_our_static_files(client, db):
    page = client.get("/").content.decode()
    assert "css/fonts.css" in page and "fonts.googleapis" not in page


@pytest.mark.browser
def test_in_chromium_the_icons_render_and_the_arabic_font_is_ours(live_server, transactional_db, types):
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.goto(live_server.url + "/")
        page.evaluate("document.fonts.ready")
        icon = page.locator(".type-icon svg").first
        box = icon.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
        loaded = page.evaluate(
            "() => [...document.fonts].filter(f => f.family.includes('IBM Plex Sans Arabic') && f.status === 'loaded').length"
        )
        assert loaded >= 1
        assert page.evaluate("document.fonts.check('16px \"IBM Plex Sans Arabic\"', 'بلاغ')")
        assert js_errors(page) == []


@pytest.mark.browser
@pytest.mark.parametrize("language, zoom_in", [("ar", "تكبير"), ("en", "Zoom in")])
def test_the_maps_zoom_buttons_speak_the_pages_language(live_server, transactional_db, types, language, zoom_in):
    with open_page(live_server, locale="ar", viewport=(390, 844)) as page:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(live_server.url + "/")
        page.locator("#step-type .type-name").first.click()
        page.locator("#step-subtype label").first.click()
        button = page.locator(".leaflet-control-zoom-in")
        button.wait_for()
        assert button.get_attribute("title") == zoom_in
        assert js_errors(page) == []


@pytest.mark.browser
@pytest.mark.parametrize("language, zoom_in, zoom_out", [("ar", "تكبير", "تصغير"), ("en", "Zoom in", "Zoom out")])
def test_the_staff_maps_zoom_buttons_speak_the_pages_language(live_server, transactional_db, language, zoom_in, zoom_out):
    """The admin's report map (and the dashboard's, the same {% staff_map %}): Leaflet's English tooltips replaced."""
    from tests.browser import log_in
    from tests.factories import make_user, submit

    complaint = submit()
    admin = make_user("admin", superuser=True)
    with open_page(live_server, locale="ar", viewport=(1280, 900)) as page:
        log_in(page, live_server, admin)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/admin/complaints/complaint/{complaint.pk}/change/")
        button = page.locator(".leaflet-control-zoom-in")
        button.wait_for()
        assert button.get_attribute("title") == zoom_in
        assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == zoom_out
        assert js_errors(page) == []
