"""The streamed spreadsheet writer (reports.xlsx), read back with openpyxl as a spreadsheet program would."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from reports import xlsx


def _book(chunks):
    return load_workbook(io.BytesIO(b"".join(chunks)))


def test_a_sheet_reads_back_with_its_words_numbers_and_layout():
    rows = [
        ["الرقم", "النوع", "التقييم", "ملاحظة"],
        [1, "حفرة في الطريق", 4.5, None],
        [2, "a < b & c > d", 0, "قبل\x07بعد"],  # XML specials kept, a control character dropped
        [3, True, float("nan"), " حول "],  # a boolean as 1, no number for NaN, outer spaces kept
    ]
    book = _book(xlsx.stream(rows, title="البلاغات"))
    sheet = book.active
    assert sheet.title == "البلاغات"
    values = list(sheet.iter_rows(values_only=True))
    assert values == [
        ("الرقم", "النوع", "التقييم", "ملاحظة"),
        (1, "حفرة في الطريق", 4.5, None),
        (2, "a < b & c > d", 0, "قبلبعد"),
        (3, 1, None, " حول "),
    ]
    assert sheet["A1"].font.b and not sheet["A2"].font.b  # the header is bold
    assert sheet.sheet_view.rightToLeft and sheet.freeze_panes == "A2"


def test_an_english_reader_gets_a_left_to_right_sheet_and_a_title_excel_accepts():
    book = _book(xlsx.stream([["Name"], ["x"]], title="Q3: roads/lighting [draft] and more words", right_to_left=False))
    assert not book.active.sheet_view.rightToLeft
    assert book.active.title == "Q3  roads lighting  draft  and"  # 31 characters, no []:*?/\


def test_bytes_leave_before_all_rows_are_read():
    read = []

    def rows():
        yield ["n", "text"]
        for i in range(20_000):
            read.append(i)
            yield [i, f"بلاغ رقم {i} " * 5]

    chunks = xlsx.stream(rows(), title="t", rows_per_chunk=200)
    seen = b""
    while len(seen) < 2_000:  # past the fixed parts: sheet rows are arriving
        seen += next(chunks)
    assert len(read) < 20_000  # the download began while rows were still to be read
    rest = b"".join(chunks)
    assert len(read) == 20_000
    archive = zipfile.ZipFile(io.BytesIO(seen + rest))
    assert archive.testzip() is None


def test_more_rows_than_a_sheet_holds_end_with_a_note(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    rows = [["n"]] + [[i] for i in range(10)]
    values = list(_book(xlsx.stream(rows, title="t", overflow_note="Download the CSV")).active.iter_rows(values_only=True))
    assert values == [("n",), (0,), (1,), (2,), ("Download the CSV",)]


def test_a_sheet_that_would_pass_two_gigabytes_ends_with_a_note(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_BYTES", 1_000)  # stands for zipfile's 2 GiB limit without ZIP64
    rows = [["n", "text"]] + [[i, "نص " * 10] for i in range(100)]
    chunks = list(xlsx.stream(rows, title="t", overflow_note="Download the CSV"))
    values = list(_book(chunks).active.iter_rows(values_only=True))
    assert 1 < len(values) < 101 and values[-1] == ("Download the CSV", None)
    assert [v[0] for v in values[1:-1]] == list(range(len(values) - 2))  # whole rows, in order, none skipped
    sheet = zipfile.ZipFile(io.BytesIO(b"".join(chunks))).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size <= 1_000
