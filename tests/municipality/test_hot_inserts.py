"""The intake's INSERTs (``municipality.db.insert_rows``) write what the ORM writes, prepared once per connection.

And kombu's Redis channel publishes through one client (``municipality.broker``).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints.models import Channel, Complaint, Event, Status
from municipality import db
from notifications.models import Outbox
from tests.factories import INSIDE, CategoryFactory, DistrictFactory

pytestmark = pytest.mark.django_db

SKIP = {"id", "tracking_number", "token", "updated_at", "external_id"}


def _report(category, district, number: str, now) -> Complaint:
    return Complaint(
        tracking_number=number,
        category=category,
        description="عمود إنارة مطفأ منذ أسبوع",
        lat=INSIDE[0],
        lon=INSIDE[1],
        district=district,
        department=category.default_department,
        channel=Channel.APP,
        reporter_name="سارة",
        address=gettext_lazy("Near the mosque"),  # type: ignore[misc]  # not a str: the field makes it one, as the ORM does
        reporter_phone="+966501234567",
        priority="high",
        status=Status.ASSIGNED,
        assigned_at=now,
        resolution_due_at=now + timedelta(days=3),
        created_at=now,
    )


def _row(pk: int) -> dict[str, object]:
    return dict(Complaint.objects.filter(pk=pk).values().get())


def test_a_report_is_stored_as_the_orm_stores_it():
    category, district, now = CategoryFactory(), DistrictFactory(), timezone.now()
    by_orm = _report(category, district, "2612-900001", now)
    by_orm.save(force_insert=True)
    ours = _report(category, district, "2612-900002", now)

    db.insert_rows([ours])

    assert ours.pk and ours.pk != by_orm.pk and not ours._state.adding
    stored, expected = _row(ours.pk), _row(by_orm.pk)
    assert {k: v for k, v in stored.items() if k not in SKIP} == {k: v for k, v in expected.items() if k not in SKIP}
    assert stored["tracking_number"] == "2612-900002" and stored["token"] == ours.token
    assert (stored["address"], stored["status"], stored["lat"]) == ("Near the mosque", "assigned", INSIDE[0])
    assert stored["updated_at"] is not None  # auto_now, as save() sets it


@pytest.mark.postgres
def test_a_row_with_a_column_computed_in_the_insert_is_stored_as_the_orm_stores_it():
    """``insert_row_with``: the primary key chosen beforehand, one column worked out by PostgreSQL from a CTE."""
    category, district, now = CategoryFactory(), DistrictFactory(), timezone.now()
    by_orm = _report(category, district, "2612-900011", now)
    by_orm.save(force_insert=True)
    ours = _report(category, district, "~provisional", now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('complaints_complaint', 'id'))")
        (ours.pk,) = cursor.fetchone()

    number = db.insert_row_with(
        ours,
        cte="n AS (SELECT %s || '-' || %s AS number)",
        cte_params=["2612", "900012"],
        computed={"tracking_number": "n.number"},
        returning="tracking_number",
    )

    assert number == "2612-900012" and not ours._state.adding
    stored, expected = _row(ours.pk), _row(by_orm.pk)
    assert {k: v for k, v in stored.items() if k not in SKIP} == {k: v for k, v in expected.items() if k not in SKIP}
    assert stored["tracking_number"] == "2612-900012" and stored["token"] == ours.token


def test_several_rows_in_one_statement_get_their_own_keys_in_order():
    now = timezone.now()
    complaint = _report(CategoryFactory(), DistrictFactory(), "2612-900003", now)
    db.insert_rows([complaint])
    events = [
        Event(complaint=complaint, kind=Event.Kind.CREATED, text="استلمنا", is_public=True, data={"n": 1}, created_at=now),
        Event(complaint=complaint, kind=Event.Kind.ROUTED, text="أحيل", is_public=True, data={"n": 2}, created_at=now),
    ]

    with CaptureQueriesContext(connection) as queries:
        db.insert_rows(events)

    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "complaints_event"')  # counted like any query
    stored = dict(Event.objects.filter(complaint=complaint).values_list("pk", "data"))
    assert stored == {events[0].pk: {"n": 1}, events[1].pk: {"n": 2}}  # the JSON as given, each on its own key
    assert [e.text for e in Event.objects.filter(complaint=complaint).order_by("pk")] == ["استلمنا", "أحيل"]


def test_a_field_left_to_its_database_default_gets_that_default():
    Outbox.objects.all().delete()
    row = Outbox(channel="sms", recipient="+966501234567", template="received", language="ar", context={"a": "ب"})
    row.idempotency_key = "test-hot-insert"

    db.insert_rows([row])

    stored = Outbox.objects.get(pk=row.pk)
    assert (stored.provider_id, stored.delivery, stored.context) == ("", "", {"a": "ب"})
    assert stored.status == Outbox.Status.PENDING and stored.created_at is not None


@pytest.mark.postgres
def test_on_postgresql_the_insert_is_prepared_once_per_connection():
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO \"complaints_event\"%'")
            return cursor.fetchone()[0]

    now = timezone.now()
    complaint = _report(CategoryFactory(), DistrictFactory(), "2612-900004", now)
    db.insert_rows([complaint])
    before = prepared()
    for n in range(4):
        db.insert_rows([Event(complaint=complaint, kind=Event.Kind.NOTE, text=f"ملاحظة {n}", created_at=now)])
    assert prepared() == before + 1  # one statement for the four runs, planned once
    assert Event.objects.filter(complaint=complaint, kind=Event.Kind.NOTE).count() == 4


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (CI runs it)")
def test_the_broker_publishes_every_message_through_one_redis_client():
    import redis
    from kombu import Queue

    from municipality.celery import app

    assert app.conf.broker_transport == "municipality.broker:Transport"
    queue = Queue("test-one-client", routing_key="test-one-client")
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(queue.name) if channel.queue_declare(queue.name, passive=False) else None
        producer = conn.Producer(channel)
        producer.publish({"n": 1}, routing_key=queue.name, declare=[queue])
        client = channel._shared_client
        producer.publish({"n": 2}, routing_key=queue.name, declare=[queue])
        assert isinstance(client, redis.Redis) and channel._shared_client is client
        assert channel._size(queue.name) == 2  # both are on the queue
        channel.queue_purge(queue.name)


@pytest.mark.postgres
def test_a_report_writes_no_index_that_another_one_already_covers():
    """Migration 0018: no prefix-search twin (varchar_pattern_ops) and no single-column index whose column
    already leads a composite one; a submission writes every index of the table twice (insert, then number)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaints_complaint' ORDER BY indexname")
        indexes = dict(cursor.fetchall())
    assert not [name for name, sql in indexes.items() if "pattern_ops" in sql]
    single = {sql.split("(", 1)[1].rstrip(")") for sql in indexes.values() if "USING btree (" in sql and "," not in sql}
    leading = {sql.split("(", 1)[1].split(",")[0] for sql in indexes.values() if "USING btree (" in sql and "," in sql}
    assert not (single & leading) - {"id"}, single & leading
