import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from complaints.models import Complaint
from tests.factories import CategoryFactory, submit


@pytest.mark.django_db
def test_numbers_are_readable_and_consecutive():
    category = CategoryFactory()
    first = submit(category)
    second = submit(category)
    prefix, number = first.tracking_number.split("-")
    assert len(prefix) == 4 and len(number) == 6
    assert second.tracking_number == f"{prefix}-{int(number) + 1:06d}"


@pytest.mark.django_db
def test_a_failed_submission_gives_its_number_back():
    category = CategoryFactory()
    first = submit(category)
    with pytest.raises(ValidationError):
        submit(category, description="short")  # refused: too short, nothing saved
    second = submit(category)
    assert int(second.tracking_number[-6:]) == int(first.tracking_number[-6:]) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_never_duplicate_or_skip_a_number():
    category = CategoryFactory()
    workers = 24
    barrier = threading.Barrier(workers)
    numbers, errors = [], []

    def file_one(i):
        try:
            barrier.wait()
            numbers.append(submit(category, description=f"بلاغ متزامن رقم {i} للتجربة").tracking_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(numbers)) == workers
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + workers))
    assert Complaint.objects.count() == workers


def _written_after_the_counter(statements: list[str]) -> list[str]:
    """The table each statement writes, from the one that takes the month's counter to the COMMIT."""
    counter = next(i for i, sql in enumerate(statements) if "complaints_trackingsequence" in sql)
    tables = []
    for sql in statements[counter:]:
        if sql.startswith(("COMMIT", "RELEASE")):
            continue
        if sql.startswith("WITH n AS"):  # PostgreSQL: the counter and the report's INSERT in one statement
            tables.append("complaints_trackingsequence+" + sql.split(" INSERT INTO ")[-1].split()[0].strip('"'))
            continue
        words = sql.replace('"', "").split()
        tables.append(words[2] if words[0] == "INSERT" else words[1])
    return tables


@pytest.mark.django_db
@pytest.mark.parametrize("routed", [False, True], ids=["not-routed", "routed"])
def test_the_counter_is_taken_by_the_last_statements_before_commit(routed):
    """The month's counter row is locked from its upsert to COMMIT: only the report's own row, its
    escalation steps and its messages may be written in between, so concurrent submissions wait for
    those few statements, not for all. On PostgreSQL the report is written once, with its number."""
    from django.test.utils import CaptureQueriesContext

    # Without a default department and with no rule, a report waits in triage with no clock.
    category = CategoryFactory() if routed else CategoryFactory(default_department=None)
    submit(category)
    with CaptureQueriesContext(connection) as captured:
        complaint = submit(category)
    statements = [q["sql"] for q in captured.captured_queries]
    assert (complaint.status == "assigned") is routed
    ladder = ["complaints_ladderstep"] if routed else []
    if connection.vendor == "postgresql":
        assert _written_after_the_counter(statements) == [
            "complaints_trackingsequence+complaints_complaint",
            *ladder,
            "notifications_outbox",
        ]
        writes = [sql for sql in statements if re.search(r'(INSERT INTO|UPDATE) "?complaints_complaint"?[ (]', sql)]
        assert len(writes) == 1 and "INSERT" in writes[0]  # written once: no UPDATE of the number
    else:
        assert _written_after_the_counter(statements) == [
            "complaints_trackingsequence",
            "complaints_complaint",
            *ladder,
            "notifications_outbox",
        ]
    assert Complaint.objects.get(pk=complaint.pk).tracking_number == complaint.tracking_number
    assert not Complaint.objects.filter(tracking_number__startswith="~").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("routed", [False, True], ids=["waits-in-triage", "routed-at-once"])
def test_a_channel_message_takes_the_counter_after_its_report_and_events(routed):
    """complaint_submit_incomplete (e-mail, X, WhatsApp, Open311) numbers the report as the form does:
    the report and its timeline are written under a provisional number, the counter comes last."""
    from django.test.utils import CaptureQueriesContext

    from complaints.services import complaint_submit_incomplete
    from notifications.models import Outbox
    from tests.factories import INSIDE, DistrictFactory

    DistrictFactory()
    category = CategoryFactory()
    submit(category)  # the month's counter row exists: the upsert takes its lock
    where = {"category": category, "lat": INSIDE[0], "lon": INSIDE[1]} if routed else {}
    with CaptureQueriesContext(connection) as captured:
        complaint = complaint_submit_incomplete(
            channel="email",
            external_id="<order@example.org>",
            description="حفرة كبيرة في شارع الملك فهد أمام الصيدلية",
            reporter_email="sara@example.org",
            **where,
        )
    statements = [q["sql"] for q in captured.captured_queries]
    counter = next(i for i, sql in enumerate(statements) if "complaints_trackingsequence" in sql)
    (events,) = [i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "complaints_event"')]
    # "received", and "routed" when it was: one INSERT
    assert list(complaint.events.values_list("kind", flat=True).order_by("pk")) == (
        ["created", "routed"] if routed else ["created"]
    )
    assert events < counter
    ladder = ["complaints_ladderstep"] if routed else []
    if connection.vendor == "postgresql":  # the report itself is written last, with its number
        assert not any(sql.startswith('INSERT INTO "complaints_complaint"') for sql in statements)
        assert _written_after_the_counter(statements) == [
            "complaints_trackingsequence+complaints_complaint",
            *ladder,
            "notifications_outbox",
        ]
    else:  # under a provisional number first, then numbered
        report = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "complaints_complaint"'))
        assert report < events
        assert _written_after_the_counter(statements) == [
            "complaints_trackingsequence",
            "complaints_complaint",
            *ladder,
            "notifications_outbox",
        ]
    assert (complaint.status == "assigned") is routed
    stored = Complaint.objects.get(pk=complaint.pk).tracking_number
    assert stored == complaint.tracking_number and int(stored[-6:]) == 2
    answer = Outbox.objects.get(complaint=complaint, recipient="sara@example.org")
    assert answer.context["tracking_number"] == stored
    assert not Complaint.objects.filter(tracking_number__startswith="~").exists()


@pytest.mark.django_db
def test_the_sms_carries_the_final_number_not_the_provisional_one():
    from notifications.models import Outbox

    complaint = submit(CategoryFactory())
    sms = Outbox.objects.get(complaint=complaint, is_citizen=True)
    assert sms.context["tracking_number"] == complaint.tracking_number
    assert "~" not in str(sms.context)


def _file_in_a_process(args):
    """A separate process filing reports through the service (a gunicorn worker does the same)."""
    category_id, count, queue = args
    from django.db import connections

    from complaints.models import Category

    connections.close_all()  # never share the parent's socket
    category = Category.objects.get(pk=category_id)
    numbers = []
    for i in range(count):
        if i == 1:
            try:
                submit(category, description="short")  # refused: rolls back, its number is given back
            except ValidationError:
                pass
        numbers.append(submit(category, description=f"بلاغ من عملية أخرى رقم {i}").tracking_number)
    connections.close_all()
    queue.put(numbers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_processes_and_threads_get_unique_gapless_numbers_and_lose_nothing():
    import multiprocessing

    category = CategoryFactory()
    connection.close()
    # With DATABASE_POOL_MAX_SIZE the pool's open sockets and threads would be copied into each child:
    # close it, so each process (as each gunicorn worker) opens a pool of its own.
    connection.close_pool()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    # daemon: a child stuck on a failure must not keep the test run from exiting
    processes = [ctx.Process(target=_file_in_a_process, args=((category.pk, 6, queue),), daemon=True) for _ in range(4)]
    for p in processes:
        p.start()
    threaded, errors = [], []

    def file_some(i):
        try:
            for j in range(3):
                threaded.append(submit(category, description=f"بلاغ متزامن {i}-{j} للتجربة").tracking_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_some, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    numbers = [n for _p in processes for n in queue.get(timeout=120)]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    for t in threads:
        t.join()
    assert not errors
    numbers += threaded
    assert len(numbers) == 4 * 6 + 6 * 3
    assert len(set(numbers)) == len(numbers)
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(1, len(numbers) + 1))  # gapless from the month's first, refused ones given back
    assert sorted(Complaint.objects.values_list("tracking_number", flat=True)) == sorted(numbers)
