"""The report list's date drill-down, from the calendar rather than from the reports.

Django's own ``date_hierarchy`` reads ``MIN``/``MAX`` of the date over the filtered list and the
``DISTINCT`` years, months or days present: whole-index scans at a million reports. Here the years
run from the first report ever received (one indexed lookup) to this year, the months and days are
the calendar's, up to today.
"""

from __future__ import annotations

import calendar
import datetime

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import pgettext

register = template.Library()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def calendar_date_hierarchy(cl) -> dict:
    if not cl.date_hierarchy:
        return {"show": False}
    field = cl.date_hierarchy
    year_field, month_field, day_field = f"{field}__year", f"{field}__month", f"{field}__day"
    year, month, day = (_int(cl.params.get(name)) for name in (year_field, month_field, day_field))
    today = timezone.localdate()

    def link(filters):
        return cl.get_query_string(filters, [f"{field}__"])

    if year and month and day:
        when = datetime.date(year, month, day)
        return {
            "show": True,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(when, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(when, "MONTH_DAY_FORMAT"))}],
        }
    if year and month:
        last = calendar.monthrange(year, month)[1]
        if (year, month) == (today.year, today.month):
            last = today.day
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: d}),
                    "title": capfirst(formats.date_format(datetime.date(year, month, d), "MONTH_DAY_FORMAT")),
                }
                for d in range(1, last + 1)
            ],
        }
    if year:
        last = today.month if year == today.year else 12
        return {
            "show": True,
            "back": {"link": link({}), "title": pgettext("admin list", "All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: m}),
                    "title": capfirst(formats.date_format(datetime.date(year, m, 1), "YEAR_MONTH_FORMAT")),
                }
                for m in range(1, last + 1)
            ],
        }
    first = cl.model._default_manager.order_by(field).values_list(field, flat=True).first()
    first_year = timezone.localtime(first).year if first else today.year
    return {
        "show": True,
        "back": None,
        "choices": [{"link": link({year_field: str(y)}), "title": str(y)} for y in range(first_year, today.year + 1)],
    }


@register.tag(name="calendar_date_hierarchy")
def calendar_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=calendar_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
