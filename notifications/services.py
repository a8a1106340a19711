"""Writing and sending outbox messages.

Rows are written inside the caller's transaction (so a rolled-back change sends
nothing) and handed to Celery only after commit. The idempotency key is unique:
writing the same message twice is a no-op, and a row is claimed with a
conditional UPDATE before it is sent, so two workers never send it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext

from complaints.models import Event
from complaints.workflow import status_label
from municipality.db import insert_rows
from municipality.times import local_minute
from notifications.backends import PermanentSendError, get_sms_backend, get_whatsapp_backend
from notifications.models import Channel, MessageTemplate, Outbox
from notifications.texts import DEFAULT_TEXTS, SECRET_TEMPLATES, STOP_LINE
from notifications.unsubscribe import stop_link

log = logging.getLogger(__name__)

# Timeline event kind -> the citizen's message.
CITIZEN_MESSAGES = {
    "created": MessageTemplate.Code.CREATED,
    "started": MessageTemplate.Code.IN_PROGRESS,
    "resolved": MessageTemplate.Code.RESOLVED,
    "closed": MessageTemplate.Code.CLOSED,
    "reopened": MessageTemplate.Code.REOPENED,
}
# Sent only on WhatsApp: in a chat a staff reply is expected; by SMS it would cost and crowd the citizen.
WHATSAPP_ONLY_MESSAGES = {"update": MessageTemplate.Code.UPDATE}
# Timeline event kinds that give the report a new owner or person: the staff's "assigned" notice.
ASSIGNMENT_KINDS = {"routed", "assigned", "transferred", "referred"}
_ENGINE = Engine(autoescape=False)
# Our outgoing mails' Message-IDs name their outbox row, so a citizen's reply finds its report.
OUTBOUND_MESSAGE_ID = re.compile(r"^<balagh\.(\d+)\.[^@>]*@[^>]+>$")


@dataclass
class Message:
    channel: str
    recipient: str
    template: str
    language: str
    key: str
    context: dict = field(default_factory=dict)
    complaint_id: int | None = None
    is_citizen: bool = False


# --------------------------------------------------------------------------- who and what


def complaint_context(complaint, *, language: str) -> dict:
    base = settings.SITE_URL
    link = f"{base}/track/{complaint.token}/"
    with translation.override(language):
        due = local_minute(complaint.resolution_due_at)
        owner = complaint.utility or complaint.department
        return {
            "tracking_number": complaint.tracking_number,
            "link": link,
            "rating_link": f"{link}#rate",
            "admin_link": f"{base}/admin/complaints/complaint/{complaint.pk}/change/",
            "status": status_label(complaint.status),
            # A report still in triage has no type yet; the citizen reads that it is being sorted.
            "category": complaint.category.name if complaint.category_id else gettext("being sorted"),
            "department": owner.name if owner else "",
            "reason": str(complaint.get_closure_reason_display()) if complaint.closure_reason else "",
            "expected_by": due,
            "due": due,
            # A report that came by e-mail: our mails about it answer the citizen's first mail (one thread).
            "thread_id": complaint.external_id if complaint.channel == "email" and complaint.external_id.startswith("<") else "",
        }


def staff_contacts(users) -> list[tuple[int, str, str]]:
    """(user id, e-mail, mobile) for users with a ``staff_profile`` loaded."""
    out = []
    for user in users:
        profile = getattr(user, "staff_profile", None)
        out.append((user.pk, user.email or "", getattr(profile, "phone", "") or ""))
    return out


def _staff_messages(*, template: str, contacts, context: dict, complaint_id: int, key: str) -> list[Message]:
    language = settings.LANGUAGE_CODE
    messages = []
    for user_id, email, phone in contacts:
        if email:
            messages.append(Message(Channel.EMAIL, email, template, language, f"{key}:u{user_id}:email", context, complaint_id))
        if phone:
            messages.append(Message(Channel.SMS, phone, template, language, f"{key}:u{user_id}:sms", context, complaint_id))
    return messages


def _citizen_recipients(complaint, *, followers: bool = True) -> list[tuple[str, str, str, dict]]:
    """(channel, address, language, extra context) for the reporter and the citizens following the report.

    A reporter who came by WhatsApp hears back on WhatsApp (SMS only if that fails). A follower's
    messages carry ``stop_link``: they chose to follow, so they can always stop.
    """
    out: list[tuple[str, str, str, dict]] = []
    if complaint.reporter_phone:
        reporter_channel = Channel.WHATSAPP if complaint.channel == Channel.WHATSAPP else Channel.SMS
        out.append((reporter_channel, complaint.reporter_phone, complaint.language, {}))
    if complaint.reporter_email:
        out.append((Channel.EMAIL, complaint.reporter_email, complaint.language, {}))
    following = getattr(complaint, "followers", None) if followers else None
    if following is not None:
        for pk, phone, language in following.values_list("pk", "phone", "language"):
            if phone and phone != complaint.reporter_phone:
                out.append((Channel.SMS, phone, language or complaint.language, {"stop_link": stop_link(pk)}))
    return out


def notify_complaint_event(*, complaint, kind: str) -> list[int]:
    """Write the outbox rows for one change of a report (inside the caller's transaction)."""
    return outbox_write(messages=complaint_event_messages(complaint=complaint, kind=kind))


def complaint_event_messages(*, complaint, kind: str, event=None, new_report: bool = False) -> list[Message]:
    """The messages of one change of a report, not written yet (:func:`outbox_write` writes them).

    ``event``: the timeline event of the change, when the caller has it (else the latest of its kind is
    read); ``new_report``: the report is being filed in this transaction, so nobody follows it yet.
    """
    citizen_code = CITIZEN_MESSAGES.get(kind) or WHATSAPP_ONLY_MESSAGES.get(kind)
    if citizen_code is None and kind not in ASSIGNMENT_KINDS:
        return []
    if event is not None:
        event_id, event_text, event_data = event.pk, event.text, event.data
    else:
        event_id, event_text, event_data = (
            Event.objects.filter(complaint_id=complaint.pk, kind=kind).order_by("-pk").values_list("pk", "text", "data").first()
        ) or (None, "", {})
    key = f"c{complaint.pk}:e{event_id}:{kind}"
    # A channel's note to the citizen on this change (e.g. which e-mail attachments were refused).
    notice = (event_data or {}).get("notice", "")
    messages: list[Message] = []
    if citizen_code is not None:
        for channel, address, language, extra in _citizen_recipients(complaint, followers=not new_report):
            if kind in WHATSAPP_ONLY_MESSAGES and channel != Channel.WHATSAPP:
                continue
            language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
            context = complaint_context(complaint, language=language)
            if kind in WHATSAPP_ONLY_MESSAGES:
                context["text"] = event_text
            messages.append(
                Message(
                    channel,
                    address,
                    citizen_code,
                    language,
                    f"{key}:{channel}:{address}",
                    {**context, **extra, **({"notice": notice} if notice else {})},
                    complaint.pk,
                    is_citizen=True,
                )
            )
    if kind in ASSIGNMENT_KINDS:
        context = complaint_context(complaint, language=settings.LANGUAGE_CODE)
        if complaint.assignee_id:
            users = get_user_model().objects.filter(pk=complaint.assignee_id).select_related("staff_profile")
            messages += _staff_messages(
                template=MessageTemplate.Code.ASSIGNED,
                contacts=staff_contacts(users),
                context=context,
                complaint_id=complaint.pk,
                key=key,
            )
        else:
            owner = complaint.utility or complaint.department
            if new_report:
                # Routed a moment ago from the routing rules' copy of the owners, which is checked against
                # the table at most every BALAGH_ROUTING_RECHECK_SECONDS (a saved owner changes its fingerprint).
                email = owner.email if owner else ""
            else:
                # Read the address from the table: the report's owner may be an older copy.
                email = type(owner).objects.filter(pk=owner.pk).values_list("email", flat=True).first() if owner else ""
            if email:
                messages.append(
                    Message(
                        Channel.EMAIL,
                        email,
                        MessageTemplate.Code.ASSIGNED,
                        settings.LANGUAGE_CODE,
                        f"{key}:owner:email",
                        context,
                        complaint.pk,
                    )
                )
    return messages


# --------------------------------------------------------------------------- writing


def _over_sms_cap(messages: list[Message], now: datetime) -> set[str]:
    """Keys of citizen SMS that would pass ``BALAGH_SMS_PER_REPORT_PER_DAY`` for their report and number."""
    citizen_sms = [m for m in messages if m.channel == Channel.SMS and m.is_citizen and m.complaint_id]
    if not citizen_sms:
        return set()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today: dict[tuple[int | None, str], int] = {}
    rows = (
        Outbox.objects.filter(
            complaint_id__in={m.complaint_id for m in citizen_sms},
            channel=Channel.SMS,
            is_citizen=True,
            created_at__gte=day_start,
        )
        .exclude(status=Outbox.Status.SKIPPED)
        .values_list("complaint_id", "recipient")
    )
    for earlier in rows:
        sent_today[earlier] = sent_today.get(earlier, 0) + 1
    over = set()
    for m in citizen_sms:
        pair = (m.complaint_id, m.recipient)
        sent_today[pair] = sent_today.get(pair, 0) + 1
        if sent_today[pair] > settings.BALAGH_SMS_PER_REPORT_PER_DAY:
            over.add(m.key)
    return over


def outbox_write(
    *, messages: list[Message], now: datetime | None = None, batched: bool = False, new_report: bool = False
) -> list[int]:
    """Insert the messages (a message already written, by key, is left alone) and send them after commit.

    ``batched`` (the escalation sweep) hands all ids to Celery as one task instead of one task each.
    ``new_report``: every message is about a report filed in this transaction, so none was sent
    before (no daily cap to count, no key already taken: one INSERT returns the ids).
    Returns the ids of the pending rows this call queued.
    """
    if not messages:
        return []
    now = now or timezone.now()
    over = set() if new_report else _over_sms_cap(messages, now)
    rows = [
        Outbox(
            channel=m.channel,
            recipient=m.recipient[:254],
            template=m.template,
            language=m.language,
            context=m.context,
            complaint_id=m.complaint_id,
            is_citizen=m.is_citizen,
            idempotency_key=m.key[:200],
            status=Outbox.Status.SKIPPED if m.key in over else Outbox.Status.PENDING,
            last_error="Daily SMS limit for this report reached." if m.key in over else "",
        )
        for m in messages
    ]
    if new_report and connection.features.can_return_rows_from_bulk_insert:
        insert_rows(rows)
        # The citizen's message first; all of a new report's messages go to the broker as one task.
        ids = [r.pk for r in sorted(rows, key=lambda r: not r.is_citizen) if r.status == Outbox.Status.PENDING]
        if ids:
            transaction.on_commit(partial(enqueue_batch if batched or len(ids) > 1 else enqueue, ids), robust=True)
        return ids
    Outbox.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    ids = list(
        Outbox.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in rows], status=Outbox.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(partial(enqueue_batch if batched else enqueue, ids), robust=True)
    return ids


def outbox_insert(*, messages: list[Message], now: datetime | None = None) -> list[int]:
    """The bulk path (escalation sweep): many staff notices in one INSERT per chunk.

    Same guarantees as ``outbox_write`` (a key already written is skipped, the rows are sent after
    commit) without building a model instance per row; staff notices have no daily SMS cap.
    PostgreSQL gets the rows as ONE JSON parameter (``INSERT … SELECT … FROM jsonb_to_recordset(…)``:
    the driver's array adaptation escapes every text element in Python, ten times slower at 100,000 rows),
    SQLite a multi-row VALUES list.
    """
    if not messages:
        return []
    now = now or timezone.now()
    table = Outbox._meta.db_table
    varying = ("channel", "recipient", "template", "language", "context", "complaint_id", "idempotency_key")
    fixed = ("is_citizen", "status", "attempts", "last_error", "subject", "body", "created_at")
    columns = ", ".join(varying + fixed)
    created = connection.ops.adapt_datetimefield_value(now)
    fixed_params: list[Any] = [False, Outbox.Status.PENDING, 0, "", "", "", created]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            chunk = 20000
            names = ("ch", "rc", "tp", "lg", "cx", "ci", "ky")
            for start in range(0, len(messages), chunk):
                document = json.dumps(
                    [
                        dict(
                            zip(
                                names,
                                (m.channel, m.recipient[:254], m.template, m.language, m.context, m.complaint_id, m.key[:200]),
                                strict=False,
                            )
                        )
                        for m in messages[start : start + chunk]
                    ],
                    ensure_ascii=False,
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "
                    f"SELECT ch, rc, tp, lg, cx, ci, ky, %s, %s, %s, %s, %s, %s, %s "
                    f"FROM jsonb_to_recordset(CAST(%s AS jsonb)) AS t(ch text, rc text, tp text, lg text, cx jsonb, "
                    f"ci bigint, ky text) "
                    f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                    [*fixed_params, document],
                )
                ids += [row[0] for row in cursor.fetchall()]  # only the rows this call inserted
        else:
            rows = [
                (
                    m.channel,
                    m.recipient[:254],
                    m.template,
                    m.language,
                    json.dumps(m.context, ensure_ascii=False),
                    m.complaint_id,
                    m.key[:200],
                )
                for m in messages
            ]
            per_row = len(varying) + len(fixed)
            chunk = max(1, 30000 // per_row)
            placeholder = "(" + ", ".join(["%s"] * per_row) + ")"
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                params: list = []
                for row in part:
                    params += [*row, *fixed_params]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(part))} "
                    f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                    params,
                )
                ids += [row[0] for row in cursor.fetchall()]
    if ids:
        transaction.on_commit(partial(enqueue_batch, ids), robust=True)
    return ids


def enqueue(ids: list[int]) -> int:
    """Hand rows to Celery. When the broker is down the rows stay pending for the periodic re-send."""
    # Imported here, not at the top: the tasks import this module to send, and sending queues tasks in
    # turn (a failed WhatsApp message is written again as an SMS). The cycle is in what the code does.
    from notifications.tasks import deliver_outbox

    queued = 0
    for pk in ids:
        try:
            deliver_outbox.delay(pk)
        except Exception as exc:  # broker unreachable: nothing is lost, resend_pending_outbox picks it up
            log.warning("Outbox %s not queued (%s); the periodic re-send will retry.", pk, exc)
            break
        queued += 1
    return queued


def enqueue_batch(ids: list[int]) -> int:
    from notifications.tasks import deliver_outbox_batch  # here, not at the top: see enqueue

    try:
        deliver_outbox_batch.delay(ids)
    except Exception as exc:
        log.warning("%s outbox rows not queued (%s); the periodic re-send will retry.", len(ids), exc)
        return 0
    return len(ids)


# --------------------------------------------------------------------------- sending


def render(message: Outbox) -> tuple[str, str]:
    candidates = {
        t.language: t
        for t in MessageTemplate.objects.filter(
            code=message.template, channel=message.channel, active=True, language__in=[message.language, settings.LANGUAGE_CODE]
        )
    }
    template = candidates.get(message.language) or candidates.get(settings.LANGUAGE_CODE)
    if template is not None:
        subject_src, body_src = template.subject, template.body
    else:
        texts = DEFAULT_TEXTS.get(message.template, {})
        subject_src, body_src = texts.get(message.language) or texts.get("ar") or ("", "{{ tracking_number }}")
    context = Context(message.context or {}, autoescape=False)
    subject = _ENGINE.from_string(subject_src).render(context).strip().replace("\n", " ")
    body = _ENGINE.from_string(body_src).render(context).strip()
    notice = (message.context or {}).get("notice", "")
    if notice and notice not in body:  # templates written before notices existed still carry it
        body = f"{body}\n\n{notice}"
    stop = (message.context or {}).get("stop_link")
    if stop and stop not in body:  # an edited template cannot take a follower's way out away
        line = STOP_LINE.get(message.language) or STOP_LINE["ar"]
        body = f"{body}\n{_ENGINE.from_string(line).render(context)}"
    return subject, body


def email_headers(message: Outbox) -> dict[str, str]:
    """Headers of an outgoing mail: ours is automatic (RFC 3834, so no machine answers it), its
    Message-ID names the outbox row, and mails about an e-mailed report continue the citizen's thread."""
    headers = {"Message-ID": email_message_id(message), "Auto-Submitted": "auto-generated"}
    thread = (message.context or {}).get("thread_id", "")
    if thread:
        headers["In-Reply-To"] = thread
        headers["References"] = thread
    if message.is_citizen and settings.EMAIL_INTAKE_ADDRESS:
        headers["Reply-To"] = settings.EMAIL_INTAKE_ADDRESS
    return headers


def backoff_seconds(attempt: int) -> int:
    """Exponential back-off: base, 2×base, 4×base, … after the 1st, 2nd, 3rd failed attempt."""
    return settings.BALAGH_OUTBOX_BACKOFF_SECONDS * (2 ** max(attempt - 1, 0))


#: The database connection dropped (a failover, a restarted pooler, pg_terminate_backend): reconnect, try again.
CONNECTION_LOST = (OperationalError, InterfaceError)
#: Waits between attempts to record a send's outcome (about 30 s in all, within the default lease's margin).
RECORD_RETRY_SECONDS = (0.1, 0.5, 1, 2, 4, 8, 15)


def _record(*, lookup: dict, **fields) -> int:
    """``UPDATE`` the outbox row(s) in ``lookup``, reconnecting when the connection has dropped.

    What it records has already happened (the gateway took the message, or refused it), so it is
    not given up at the first dropped connection: losing a "sent" would send the message again.
    Inside a transaction (eager tests) there is nothing to reconnect to, so the error is raised.
    """
    for wait in (*RECORD_RETRY_SECONDS, None):
        try:
            return Outbox.objects.filter(**lookup).update(**fields)
        except CONNECTION_LOST as exc:
            if wait is None or connection.in_atomic_block:
                raise
            log.warning("Outbox %s: database connection lost while recording (%s); reconnecting.", lookup.get("pk"), exc)
            try:
                connection.close()
            except CONNECTION_LOST:
                pass
            time.sleep(wait)
    return 0  # pragma: no cover - the loop returns or raises


class _SendingLease:
    """Renews a row's sending lease every third of its length while the send lasts.

    In its own thread (and so its own database connection), which touches the database only once a
    send has lasted a third of the lease: the usual send of a fraction of a second never starts it.
    Inside a transaction (eager tests) the row is held by that transaction anyway: no thread.
    """

    def __init__(self, *, outbox_id: int, attempt: int, seconds: float):
        self.lookup = {"pk": outbox_id, "status": Outbox.Status.SENDING, "attempts": attempt}
        self.seconds = seconds
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self):
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._renew, name=f"outbox-lease-{self.lookup['pk']}", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _renew(self) -> None:
        try:
            while not self.stop.wait(self.seconds / 3):
                try:
                    Outbox.objects.filter(**self.lookup).update(lease_until=timezone.now() + timedelta(seconds=self.seconds))
                except CONNECTION_LOST:
                    connection.close()  # the next renewal reconnects
        finally:
            connection.close()  # this thread's own connection


def email_message_id(message: Outbox) -> str:
    """The e-mail's Message-ID, the same on every attempt, so a repeat is recognisable downstream."""
    digest = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()[:32]
    # It names the row (OUTBOUND_MESSAGE_ID), so a citizen's reply to it finds its report.
    return f"<balagh.{message.pk}.{digest}@{urlsplit(settings.SITE_URL).hostname or 'balagh.local'}>"


def outbox_deliver(*, outbox_id: int, now: datetime | None = None) -> int | None:
    """Send one message once. Returns the seconds to wait before a retry, or None when done.

    The row is claimed with a conditional UPDATE (pending → sending) that also leases it for
    ``BALAGH_OUTBOX_LEASE_SECONDS`` (the longest send timeout plus a margin), renewed while the send
    lasts: a second worker holding the same id finds nothing to claim, and a row whose worker died
    goes back to the periodic re-send once its lease has passed. The gateway gets the outbox key
    (the SMS gateway as an ``Idempotency-Key`` header, e-mail as the Message-ID), so a repeat after
    a crash between sending and recording is recognisable downstream. A send that happened is
    recorded as sent even when the database connection dropped meanwhile (``_record``).
    """
    now = now or timezone.now()
    lease = settings.BALAGH_OUTBOX_LEASE_SECONDS
    claimed = Outbox.objects.filter(pk=outbox_id, status=Outbox.Status.PENDING).update(
        status=Outbox.Status.SENDING, attempts=F("attempts") + 1, locked_at=now, lease_until=now + timedelta(seconds=lease)
    )
    if not claimed:
        return None
    message = Outbox.objects.get(pk=outbox_id)
    this_claim = {"pk": outbox_id, "status": Outbox.Status.SENDING, "attempts": message.attempts}
    provider_id = ""
    with _SendingLease(outbox_id=outbox_id, attempt=message.attempts, seconds=lease):
        try:
            subject, body = render(message)
            if message.channel == Channel.SMS:
                get_sms_backend().send(to=message.recipient, body=body, key=message.idempotency_key)
            elif message.channel == Channel.WHATSAPP:
                interactive = (message.context or {}).get("interactive")
                provider_id = get_whatsapp_backend().send(
                    to=message.recipient, body=body, key=message.idempotency_key, interactive=interactive
                )
            else:
                EmailMessage(subject=subject, body=body, to=[message.recipient], headers=email_headers(message)).send(
                    fail_silently=False
                )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, PermanentSendError) or message.attempts >= settings.BALAGH_OUTBOX_MAX_ATTEMPTS:
                _record(lookup=this_claim, status=Outbox.Status.FAILED, last_error=error, locked_at=None, lease_until=None)
                log.error("Outbox %s failed after %s attempts: %s", outbox_id, message.attempts, error)
                if message.channel == Channel.WHATSAPP:
                    outbox_fallback_to_sms(outbox_id=outbox_id)
                return None
            wait = backoff_seconds(message.attempts)
            _record(
                lookup=this_claim,
                status=Outbox.Status.PENDING,
                last_error=error,
                locked_at=None,
                lease_until=None,
                next_attempt_at=now + timedelta(seconds=wait),
            )
            return wait
        kept: dict[str, object] = {"subject": subject[:200], "body": body}
        if message.template in SECRET_TEMPLATES:  # a one-time code is not kept where staff can read it
            kept = {"subject": "", "body": "", "context": {}}
        # Whatever happened to the row meanwhile (a re-send took it back after a long outage): it was sent.
        _record(
            lookup={"pk": outbox_id},
            status=Outbox.Status.SENT,
            sent_at=timezone.now(),
            locked_at=None,
            lease_until=None,
            provider_id=(provider_id or "")[:128],
            **kept,
        )
    return None


def outbox_due_ids(*, now: datetime | None = None, older_than_seconds: int | None = None, limit: int = 1000) -> list[int]:
    """Pending rows nobody is sending (the broker was down, a worker died): their ids, oldest first.

    A row still "sending" after its lease (its worker died mid-send) goes back to pending first, and
    is due at once; a row never tried waits ``older_than_seconds`` (its own task may still run).
    """
    now = now or timezone.now()
    if older_than_seconds is None:
        older_than_seconds = settings.BALAGH_OUTBOX_RESEND_AFTER_SECONDS
    Outbox.objects.filter(status=Outbox.Status.SENDING, lease_until__lt=now).update(
        status=Outbox.Status.PENDING, locked_at=None, lease_until=None
    )
    return list(
        Outbox.objects.filter(status=Outbox.Status.PENDING)
        .filter(Q(attempts__gt=0) | Q(created_at__lte=now - timedelta(seconds=older_than_seconds)))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_retry_now(*, ids: list[int]) -> int:
    """Admin action: send failed or skipped messages again (one more attempt each)."""
    changed = Outbox.objects.filter(pk__in=ids, status__in=[Outbox.Status.FAILED, Outbox.Status.SKIPPED]).update(
        status=Outbox.Status.PENDING, next_attempt_at=None, attempts=0
    )
    transaction.on_commit(partial(enqueue, list(ids)), robust=True)
    return changed


# --------------------------------------------------------------------------- WhatsApp delivery


# A status only moves a row forward (a late "delivered" never hides "read"); "failed" wins over all but "read".
_DELIVERY_BEFORE: dict[str, list[str]] = {
    Outbox.Delivery.SENT: [""],
    Outbox.Delivery.DELIVERED: ["", Outbox.Delivery.SENT],
    Outbox.Delivery.READ: ["", Outbox.Delivery.SENT, Outbox.Delivery.DELIVERED],
    Outbox.Delivery.FAILED: ["", Outbox.Delivery.SENT, Outbox.Delivery.DELIVERED],
}


def outbox_delivery_update(*, provider_id: str, delivery: str, error: str = "") -> bool | None:
    """Record a provider's delivery status on the row it sent. A failure falls back to SMS.

    Returns True when the row moved, False when it was already past that status, and None when
    no row carries this id (yet: the status may arrive before the send recorded the id).
    """
    if delivery not in _DELIVERY_BEFORE or not provider_id:
        return False
    rows = Outbox.objects.filter(provider_id=provider_id, channel=Channel.WHATSAPP)
    pk = rows.values_list("pk", flat=True).first()
    if pk is None:
        return None
    updates: dict = {"delivery": delivery}
    if delivery == Outbox.Delivery.FAILED:
        updates.update(status=Outbox.Status.FAILED, last_error=(error or "failed")[:2000])
    moved = rows.filter(pk=pk, delivery__in=_DELIVERY_BEFORE[delivery]).update(**updates)
    if moved and delivery == Outbox.Delivery.FAILED:
        outbox_fallback_to_sms(outbox_id=pk)
    return bool(moved)


def outbox_fallback_to_sms(*, outbox_id: int) -> list[int]:
    """Send a failed WhatsApp message about a report by SMS instead (once: the key says so).

    Chat prompts (lists, buttons) mean nothing by SMS and are not sent again.
    """
    row = (
        Outbox.objects.filter(pk=outbox_id, channel=Channel.WHATSAPP, complaint__isnull=False)
        .exclude(template=MessageTemplate.Code.CHAT)
        .first()
    )
    if row is None:
        return []
    fallback = Message(
        Channel.SMS,
        row.recipient,
        row.template,
        row.language,
        f"{row.idempotency_key}:sms-fallback",
        {k: v for k, v in (row.context or {}).items() if k != "interactive"},
        row.complaint_id,
        is_citizen=row.is_citizen,
    )
    with transaction.atomic():
        return outbox_write(messages=[fallback])
