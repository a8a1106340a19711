"""Progress of a weekly report compiled on request ("compile this week now").

The page that queued the work and the worker that does it are different processes, so the
state lives in the shared cache (Redis in production) under one key per week, for an hour.
"""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.utils.translation import gettext as _

KEEP_SECONDS = 3600
#: state → how far along, in percent (failed shows the bar full, in the error colour).
STEPS = {"queued": 10, "compiling": 50, "done": 100, "failed": 100}


def _key(week_start: date) -> str:
    return f"reports:weekly-compile:{week_start.isoformat()}"


def weekly_compile_progress_set(*, week_start: date, state: str, url: str = "") -> None:
    if state not in STEPS:
        raise ValueError(state)
    cache.set(_key(week_start), {"state": state, "url": url}, KEEP_SECONDS)


def weekly_compile_progress(*, week_start: date) -> dict | None:
    """``{"state", "percent", "label", "url"}`` in the reader's language, or ``None`` if nothing was asked."""
    entry = cache.get(_key(week_start))
    if not entry:
        return None
    labels = {
        "queued": _("Queued: waiting for the worker…"),
        "compiling": _("Compiling the figures and the PDF…"),
        "done": _("Compiled."),
        "failed": _("Compiling failed. Try again, or ask an administrator to look at the worker."),
    }
    return {**entry, "percent": STEPS[entry["state"]], "label": labels[entry["state"]]}
