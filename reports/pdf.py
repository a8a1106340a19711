"""The weekly report as a PDF (WeasyPrint, Arabic shaped with the Amiri font)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from reports.models import WeeklyReport

# Debian's fonts-hosny-amiri; WeasyPrint also finds "Amiri" through fontconfig.
AMIRI_DIRS = [Path("/usr/share/fonts/opentype/fonts-hosny-amiri"), Path("/usr/share/fonts/truetype/fonts-hosny-amiri")]


def amiri_file(style: str = "Regular") -> str:
    for folder in AMIRI_DIRS:
        path = folder / f"Amiri-{style}.ttf"
        if path.exists():
            return path.as_uri()
    return ""


def weekly_report_pdf(*, report: WeeklyReport, language: str = "ar") -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(
            "reports/weekly_pdf.html",
            {
                "report": report,
                "k": report.kpis,
                "amiri_regular": amiri_file("Regular"),
                "amiri_bold": amiri_file("Bold"),
                "link": settings.SITE_URL + report.get_absolute_url(),
                "LANGUAGE_CODE": language,
                "LANGUAGE_BIDI": translation.get_language_bidi(),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
