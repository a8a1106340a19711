"""A paginator that never counts a million rows: exact up to a thousand, the planner's estimate past that."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from complaints.search import newest_first

#: Up to this many matching reports the list says exactly how many; past it, about how many.
EXACT_COUNT_UP_TO = 1000


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of how many rows ``queryset`` returns (``EXPLAIN``, nothing is read); else ``None``."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """``count`` is exact up to ``EXACT_COUNT_UP_TO`` (a count of at most that many rows); past it, on
    PostgreSQL, the planner's estimate (``estimated`` is then true). Elsewhere (SQLite, small data) it is exact."""

    estimated = False

    @cached_property
    def count(self) -> int:
        queryset: QuerySet = self.object_list  # type: ignore[assignment]
        if queryset.query.is_empty():  # e.g. a mobile searched by a role not shown numbers
            return 0
        estimate = planner_estimate(queryset)
        if estimate is not None and estimate > EXACT_COUNT_UP_TO:
            self.estimated = True
            return estimate
        if estimate is None:
            return queryset.order_by().count()
        capped = queryset.order_by().values("pk")[: EXACT_COUNT_UP_TO + 1].count()
        if capped > EXACT_COUNT_UP_TO:
            self.estimated = True
            return max(estimate, capped)
        return capped

    def page(self, number):
        """The page. Past the exact count, newest first, word searches walk the reports by time
        (``complaints.search.newest_first``): with over a thousand matches a page is found within a
        few thousand rows, where fetching and sorting every match would read them all."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset: QuerySet = self.object_list  # type: ignore[assignment]
        if not self.estimated:  # a thousand rows at most: sorting them is cheap
            return self._get_page(queryset[bottom : min(bottom + self.per_page, self.count)], number, self)
        rows = queryset[bottom : bottom + self.per_page]
        if list(queryset.query.order_by[:1]) == ["-created_at"]:
            with newest_first():
                rows = list(rows)
        return self._get_page(rows, number, self)
