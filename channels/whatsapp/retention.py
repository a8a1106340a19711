"""PDPL retention of the WhatsApp channel's own log, plugged into ``complaints.hooks.retention_erasers``.

What WhatsApp keeps of a citizen: their number and profile name (``WhatsAppContact``), every
message and delivery status as received (``InboundMessage``: the sender, the raw payload, the
message id, which encodes the sender's number), their conversations' texts, and our chat answers
in the outbox (to ``+number``, not tied to a report). When reports are anonymised:

- the messages tied to those reports (their conversations', the ones added to them later, the
  delivery statuses of what was sent about them) lose sender, name, payload and message id, and
  our chat answers to them lose address and text; kind, times, result and the counts stay;
- their conversations lose the texts, photos and message id and move to one shared contact
  with no number, so nothing links them to the citizen any more (status, type, place, times stay);
- the citizen's contact row, with everything else of theirs (cancelled conversations, stray
  messages), goes only when nothing of theirs is still live: no conversation in progress, no
  conversation whose report is not being anonymised, no other report carrying their number.
  While something is live the row is needed (it locks their conversation, and a message they
  send joins their open report) and the number is lawfully held for that report anyway.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat

from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from complaints.erasure import ERASED, erased_id
from complaints.models import Channel, Complaint, IncomingMessage
from notifications.models import Channel as OutboxChannel
from notifications.models import Outbox

CHUNK = 500  # contacts per statement: well under any database's limit of parameters
ERASED_CONTACT = ""  # the one contact, with no number, of every erased conversation


def whatsapp_erase(reports: QuerySet[Complaint]) -> None:
    conversations = Conversation.objects.filter(complaint__in=reports)
    others = Conversation.objects.filter(contact=OuterRef("pk")).filter(
        Q(status=Conversation.Status.OPEN) | (Q(complaint__isnull=False) & ~Q(complaint__in=reports))
    )
    live_reports = Complaint.objects.filter(reporter_phone=Concat(Value("+"), OuterRef("wa_id"))).exclude(pk__in=reports)
    leaving = list(
        WhatsAppContact.objects.exclude(wa_id=ERASED_CONTACT)
        .filter(Exists(conversations.filter(contact=OuterRef("pk"))))
        .exclude(Exists(others))
        .exclude(Exists(live_reports))
        .values_list("pk", "wa_id")
    )
    wamids = IncomingMessage.objects.filter(complaint__in=reports, channel=Channel.WHATSAPP).exclude(external_id="")
    messages = InboundMessage.objects.exclude(kind=InboundMessage.Kind.STATUS)
    to_report = [messages.filter(conversation__in=conversations), messages.filter(external_id__in=wamids.values("external_id"))]
    answers = Outbox.objects.filter(channel=OutboxChannel.WHATSAPP).exclude(idempotency_key__startswith=ERASED)
    statuses = InboundMessage.objects.filter(kind=InboundMessage.Kind.STATUS).annotate(about=KeyTextTransform("id", "payload"))

    # Our chat answers to those messages (keyed by what they answer) and to the abandoned conversations' filing.
    for rows in to_report:
        keys = rows.exclude(external_id__startswith=ERASED).annotate(key=Concat(Value("wa:"), "external_id")).values("key")
        _forget(answers.filter(idempotency_key__in=keys))
    abandoned = conversations.annotate(key=Concat(Value("wa:abandoned:"), Cast("pk", CharField()))).values("key")
    _forget(answers.filter(idempotency_key__in=abandoned))
    # Delivery statuses name the recipient: those of what was sent about the reports, and of the answers just erased.
    _blank(statuses.filter(about__in=Outbox.objects.filter(complaint__in=reports).exclude(provider_id="").values("provider_id")))
    _blank(
        statuses.filter(
            about__in=Outbox.objects.filter(idempotency_key__startswith=ERASED).exclude(provider_id="").values("provider_id")
        )
    )
    for rows in to_report:
        _blank(rows)
    # A citizen leaving altogether: everything from or to their number, then their contact.
    for start in range(0, len(leaving), CHUNK):
        numbers = [number for _pk, number in leaving[start : start + CHUNK]]
        _blank(InboundMessage.objects.filter(sender__in=numbers))
        _forget(answers.filter(recipient__in=[f"+{number}" for number in numbers]))
        WhatsAppContact.objects.filter(pk__in=[pk for pk, _number in leaving[start : start + CHUNK]]).update(
            wa_id=erased_id(), name=""
        )

    moving = Conversation.objects.filter(Q(complaint__in=reports) | Q(contact__wa_id__startswith=ERASED)).exclude(
        contact__wa_id=ERASED_CONTACT
    )
    if moving.exists():
        nobody, _created = WhatsAppContact.objects.get_or_create(wa_id=ERASED_CONTACT)
        # Without a report, a conversation's place is the citizen's, not a report's: it goes too.
        moving.filter(complaint__isnull=True).update(lat=None, lon=None, address="", location_ts=0)
        moving.update(contact=nobody, texts=[], photos=[], first_wamid="")
    WhatsAppContact.objects.filter(wa_id__startswith=ERASED).delete()


def _blank(rows: QuerySet[InboundMessage]) -> None:
    InboundMessage.objects.filter(pk__in=rows.exclude(external_id__startswith=ERASED).values("pk")).update(
        sender="", sender_name="", payload={}, last_error="", external_id=erased_id()
    )


def _forget(rows: QuerySet[Outbox]) -> None:
    # The key names what was answered: a WhatsApp message id, which encodes the number.
    rows.update(recipient="", body="", context={}, idempotency_key=erased_id())
