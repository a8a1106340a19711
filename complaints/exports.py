"""The one CSV writer for every download of reports (the admin's list and the committee's pages).

Streamed: rows are written as they are read, so memory stays flat at a million rows. Every
text cell goes through :func:`inert`, so an address or a name typed as ``=HYPERLINK(…)`` or
``@SUM(…)`` opens as text in a spreadsheet program, never as a formula (OWASP's "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from municipality.text import INVISIBLE

#: A text cell starting with one of these is a formula to a spreadsheet program opening the CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text cell a spreadsheet program will not run as a formula, without direction-changing or
    zero-width characters (new text is cleaned on the way in; older rows may still hold them)."""
    if not isinstance(value, str):
        return value
    value = INVISIBLE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


class _Echo:
    def write(self, value):
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    """``rows`` (a header, then the data) as a streamed ``filename``.csv download."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read the Arabic as UTF-8
        batch: list[str] = []
        for row in rows:
            batch.append(writer.writerow([inert(value) for value in row]))
            if len(batch) >= 500:  # a few dozen KB per chunk, not one tiny chunk per row
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    return download(response, f"{filename}.csv")


def download(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Accel-Buffering"] = "no"  # a proxy passes the rows on as they come instead of holding the whole file
    return response
