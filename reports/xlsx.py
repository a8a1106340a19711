"""A spreadsheet (.xlsx) written as it is sent: rows in, compressed bytes out, memory flat.

openpyxl's write-only mode keeps memory flat too, but it builds the whole
workbook before the first byte can leave, so a million-row export would wait
minutes in silence (past any proxy's timeout). An .xlsx is a zip of a few XML
files; here the sheet is one zip member written row by row into a pipe that
the response drains (``zipfile`` writes data descriptors when it cannot seek).
The sheet stays under 2 GiB uncompressed (a million rows of the complaints
export take about 1 GB), so no ZIP64 record is ever needed. Cells are numbers
or inline strings; the header row is bold and frozen; the sheet reads right to
left for an Arabic reader.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

#: Rows a sheet holds (Excel's limit), the header included.
MAX_ROWS = 1_048_576
#: Bytes of sheet XML written at most: below zipfile's 2 GiB limit for a member without ZIP64.
MAX_BYTES = 2**31 - 2**24
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STATIC = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (  # style 0: normal; style 1: bold (the header)
        f'<styleSheet xmlns="{_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


class _Pipe(io.RawIOBase):
    """A write-only stream that cannot seek; :meth:`take` hands over what was written since."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _cell(value, style: str = "") -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return "<c/>"  # a spreadsheet number cannot be NaN or infinite
        return f"<c{style}><v>{value}</v></c>"
    text = escape(_BAD_XML.sub("", str(value)))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def sheet_title(title: str) -> str:
    """A title Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return _BAD_TITLE.sub(" ", str(title))[:31].strip() or "Sheet"


def stream(
    rows: Iterable[list], *, title: str, overflow_note: str = "", right_to_left: bool = True, rows_per_chunk: int = 500
) -> Iterator[bytes]:
    """The .xlsx bytes of ``rows`` (the first is the header), yielded as they are compressed.

    Past :data:`MAX_ROWS` rows or :data:`MAX_BYTES` bytes the sheet ends with
    one row holding ``overflow_note``.
    """
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    for name, body in _STATIC.items():
        archive.writestr(name, _HEAD + body)
    workbook = (
        f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet_title(title), {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    archive.writestr("xl/workbook.xml", _HEAD + workbook)
    yield pipe.take()
    with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
        head = (
            f'{_HEAD}<worksheet xmlns="{_NS}"><sheetViews><sheetView rightToLeft="{int(right_to_left)}" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
        ).encode()
        tail = b"</sheetData></worksheet>"
        note = f"<row>{_cell(overflow_note)}</row>".encode() if overflow_note else b""
        room = MAX_BYTES - len(head) - len(tail) - len(note)
        sheet.write(head)
        written, size, batch = 0, 0, []
        for row in rows:
            line = ("<row>" + "".join(_cell(v, ' s="1"' if written == 0 else "") for v in row) + "</row>").encode()
            if written == MAX_ROWS - (1 if note else 0) or size + len(line) > room:
                batch.append(note)  # the sheet is full: say so instead of dropping rows silently
                break
            batch.append(line)
            written, size = written + 1, size + len(line)
            if len(batch) >= rows_per_chunk:
                sheet.write(b"".join(batch))
                batch = []
                data = pipe.take()
                if data:
                    yield data
        sheet.write(b"".join(batch) + tail)
    archive.close()
    yield pipe.take()
