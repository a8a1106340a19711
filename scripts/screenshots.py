"""Screenshots of the citizen and staff pages, in Arabic and English, at 1,280 and 390 px, from a running site.

    make run PORT=8108          # a fresh demo (SQLite, seed_demo), in another terminal
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8108 docs/screenshots --token TOKEN --pk ID

``--token`` and ``--pk`` name a report with a long timeline (the tracking page and the admin report
page show it). Under ``make run`` (DEBUG) Django answers an unknown address with its technical page;
``--plain-base`` takes the 404 from a second server on the same install without DEBUG:

    DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 .venv/bin/python manage.py runserver --insecure 127.0.0.1:8109 Chromium is Debian's /usr/bin/chromium; the PNGs are saved as 256-colour palettes.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

PASSWORD = "balagh-demo"
LANGUAGES = ("ar", "en")
WIDTHS = (1280, 390)


def save(page, out: Path, name: str, *, full_page: bool = True) -> Path:
    page.wait_for_timeout(300)
    png = page.screenshot(full_page=full_page)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    path = out / f"{name}.png"
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(path)
    return path


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator('input[type="submit"], button[type="submit"]').first.click()
    page.wait_for_load_state()


def file_a_report(page, base: str, language: str) -> None:
    page.goto(base + "/")
    page.locator("#step-type .type-card").first.click()
    page.locator("#step-subtype .subtype-group:not([hidden]) label").first.click()
    map_box = page.locator("#report-map")
    map_box.wait_for(state="visible")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.locator("#step-location [data-next]").click()
    text = "حفرة عميقة أمام المسجد في الشارع العام" if language == "ar" else "A deep pothole in front of the mosque"
    page.locator("#id_description").fill(text)
    page.locator("#step-details [data-next]").click()
    page.locator("#id_reporter_name").fill("محمد" if language == "ar" else "Mohammed")
    page.locator("#id_reporter_phone").fill("0501234567")
    page.locator('button[name="review"]').click()
    page.wait_for_selector("[data-confirm-form]")
    page.locator('button[name="submit"]').click()
    page.locator("[data-tracking-number]").wait_for()


def shoot(browser, base: str, out: Path, language: str, width: int, token: str, pk: str, plain_base: str) -> list[str]:
    """Every page in one language at one width; returns the JavaScript errors seen."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    suffix = f"{language}-{width}"

    def go(path: str, site: str = base) -> None:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.goto(site + path)

    go("/")
    save(page, out, f"form-{suffix}")
    file_a_report(page, base, language)
    save(page, out, f"done-{suffix}")
    go(f"/track/{token}/")
    save(page, out, f"track-{suffix}")
    go("/figures/")
    save(page, out, f"figures-{suffix}")
    go("/no-such-page/", plain_base)
    save(page, out, f"not-found-404-{suffix}")
    log_in(page, base, "committee")
    go("/reports/")
    save(page, out, f"dashboard-{suffix}")
    log_in(page, base, "roads_head")
    go("/reports/weekly/")
    save(page, out, f"refused-403-{suffix}")
    log_in(page, base, "admin")
    go("/admin/complaints/complaint/")
    save(page, out, f"admin-list-{suffix}", full_page=False)
    go(f"/admin/complaints/complaint/{pk}/change/")
    save(page, out, f"admin-report-{suffix}")
    context.close()
    return errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("out", type=Path)
    parser.add_argument("--token", required=True, help="a report's public token (the tracking page's address)")
    parser.add_argument("--pk", required=True, help="its id (the admin page's address)")
    parser.add_argument("--plain-base", default="", help="the same install without DEBUG, for the 404 page")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        for language in LANGUAGES:
            for width in WIDTHS:
                plain = (args.plain_base or base).rstrip("/")
                errors = shoot(browser, base, args.out, language, width, args.token, args.pk, plain)
                if errors:
                    failed = True
                    print(f"JavaScript errors ({language}, {width} px): {errors}", file=sys.stderr)
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
