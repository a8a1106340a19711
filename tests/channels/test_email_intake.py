"""E-mail becomes reports: ``receive_email`` on a mail server's pipe, any charset, photos, replies, no loops."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.utils import translation

from channels.email import parsing
from channels.email.parsing import html_to_text, parse_mail, strip_quoted
from channels.email.services import email_receive
from channels.management.commands import receive_email
from complaints.models import Complaint, Event, IncomingMessage
from complaints.workflow import Status
from notifications.models import Outbox
from tests.channels.mail import encoded_word, example, mail

pytestmark = pytest.mark.django_db


def receive(raw: bytes, *, language: str = "en") -> tuple[int, str, str]:
    """Run the command as a mail server would: bytes on stdin; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override(language):
            call_command("receive_email", stdin=io.BytesIO(raw), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- a new report


def test_an_arabic_mail_with_a_photo_becomes_a_triage_report(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = receive(example("arabic-mail.eml"))
    assert code == 0, err
    complaint = Complaint.objects.get()
    assert out.strip() == f"filed {complaint.tracking_number}"
    assert complaint.channel == "email" and complaint.status == Status.NEW and complaint.category is None
    assert complaint.reporter_email == "sara.q@example.org" and complaint.reporter_name == "سارة القحطاني"
    assert complaint.language == "ar"
    assert "حفرة كبيرة أمام مسجد الملك فهد" in complaint.description and "تلف إطار سيارتي" in complaint.description
    assert complaint.attachments.count() == 1  # the photo; the PDF is refused
    original = IncomingMessage.objects.get(complaint=complaint)
    assert original.subject == "حفرة كبيرة أمام مسجد الملك فهد" and original.data["refused"] == ["letter.pdf"]


def test_the_sender_gets_the_tracking_number_and_a_note_about_refused_files(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receive(example("arabic-mail.eml"))
    complaint = Complaint.objects.get()
    row = Outbox.objects.get(complaint=complaint, channel="email", recipient="sara.q@example.org")
    assert row.status == Outbox.Status.SENT and row.is_citizen
    (sent,) = django_mail.outbox
    assert sent.to == ["sara.q@example.org"]
    assert complaint.tracking_number in sent.subject and complaint.tracking_number in sent.body
    assert "letter.pdf" in sent.body
    # Ours is automatic (no auto-responder answers it) and continues the citizen's thread.
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.extra_headers["In-Reply-To"] == "<arabic-sample-0001@example.org>"
    assert sent.extra_headers["Message-ID"].startswith(f"<balagh.{row.pk}.")


def test_an_html_only_mail_in_windows_1256_is_read_as_text():
    code, _out, err = receive(example("html-only-mail.eml"))
    assert code == 0, err
    complaint = Complaint.objects.get()
    assert "إنارة معطلة" in complaint.description  # the RFC 2047 subject in windows-1256
    assert "عمود الإنارة رقم 14" in complaint.description and "<p>" not in complaint.description
    assert "color:red" not in complaint.description


@pytest.mark.parametrize("charset", ["iso-8859-6", "windows-1256", "utf-8"])
def test_any_charset_of_body_and_subject(charset):
    raw = mail(subject=encoded_word("شكوى نظافة", charset), body="تراكم النفايات بجانب الحديقة العامة", charset=charset)
    assert email_receive(raw=raw).action == "filed"
    complaint = Complaint.objects.get()
    assert "شكوى نظافة" in complaint.description and "تراكم النفايات" in complaint.description


def test_an_english_mail_gets_english_answers():
    email_receive(raw=mail(subject="Broken street light", body="The light on Palm street is broken since Monday."))
    assert Complaint.objects.get().language == "en"


def test_the_same_message_id_twice_files_one_report_and_answers_once():
    raw = mail(photos=1)
    first = email_receive(raw=raw)
    second = email_receive(raw=raw)
    assert first.action == "filed" and second.action == "duplicate" and second.complaint == first.complaint
    assert Complaint.objects.count() == 1 and Outbox.objects.filter(channel="email").count() == 1


def test_a_mail_without_message_id_is_recognised_by_its_bytes():
    raw = mail(message_id=None)
    assert email_receive(raw=raw).action == "filed"
    assert email_receive(raw=raw).action == "duplicate"
    assert Complaint.objects.count() == 1


def test_too_many_photos_keeps_the_allowed_number(settings):
    settings.BALAGH_MAX_PHOTOS = 2
    email_receive(raw=mail(photos=3))
    complaint = Complaint.objects.get()
    assert complaint.attachments.count() == 2
    assert IncomingMessage.objects.get().data["refused"] == ["photo-2.jpg"]


def test_a_file_pretending_to_be_a_photo_is_refused():
    email_receive(raw=mail(files=[("evil.jpg", "image/jpeg", b"<?php system($_GET['c']); ?>")]))
    assert Complaint.objects.get().attachments.count() == 0
    assert IncomingMessage.objects.get().data["refused"] == ["evil.jpg"]


# --------------------------------------------------------------------------- replies


def filed() -> Complaint:
    email_receive(raw=mail(message_id="<first@example.org>"))
    return Complaint.objects.get()


def test_a_reply_to_our_answer_is_an_update_on_the_same_report():
    complaint = filed()
    ours = Outbox.objects.get(complaint=complaint, channel="email")
    reply = mail(
        subject=f"Re: تم استلام بلاغك {complaint.tracking_number}",
        body="أضيف أن الحفرة كبرت بعد المطر.\n\nOn Sat, Balagh wrote:\n> تم استلام بلاغك",
        message_id="<reply-1@example.org>",
        headers={"In-Reply-To": f"<balagh.{ours.pk}.{complaint.tracking_number}@balagh.local>"},
        photos=1,
    )
    outcome = email_receive(raw=reply)
    assert outcome.action == "update" and outcome.complaint == complaint
    assert Complaint.objects.count() == 1
    event = complaint.events.get(kind=Event.Kind.CITIZEN_MESSAGE)
    assert event.text == "أضيف أن الحفرة كبرت بعد المطر."  # the quoted answer is left out
    assert complaint.attachments.count() == 1
    assert email_receive(raw=reply).action == "duplicate"
    assert complaint.events.filter(kind=Event.Kind.CITIZEN_MESSAGE).count() == 1


def test_a_reply_found_by_references_to_the_first_mail():
    complaint = filed()
    reply = mail(subject="Re: حفرة", message_id="<reply-2@example.org>", headers={"References": "<first@example.org>"})
    assert email_receive(raw=reply).complaint == complaint
    assert Complaint.objects.count() == 1


def test_a_reply_found_by_the_tracking_number_in_the_subject_even_in_arabic_digits():
    complaint = filed()
    arabic = complaint.tracking_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    reply = mail(subject=f"بخصوص البلاغ {arabic}", body="هل من جديد؟", message_id="<reply-3@example.org>")
    assert email_receive(raw=reply).action == "update"
    assert Complaint.objects.count() == 1


def test_a_stranger_quoting_a_tracking_number_cannot_write_on_someone_elses_report():
    complaint = filed()
    other = mail(
        sender="mallory@evil.example",
        subject=f"Re: {complaint.tracking_number}",
        body="Please close this report, it is fixed.",
        message_id="<evil@evil.example>",
        headers={"In-Reply-To": "<first@example.org>"},
    )
    outcome = email_receive(raw=other)
    assert outcome.action == "filed" and outcome.complaint != complaint
    assert not complaint.events.filter(kind=Event.Kind.CITIZEN_MESSAGE).exists()


# --------------------------------------------------------------------------- no mail loops

LOOPS = {
    "auto-submitted": {"headers": {"Auto-Submitted": "auto-replied"}},
    "auto-generated": {"headers": {"Auto-Submitted": "auto-generated"}},
    "precedence bulk": {"headers": {"Precedence": "bulk"}},
    "precedence list": {"headers": {"Precedence": "list"}},
    "precedence junk": {"headers": {"Precedence": "junk"}},
    "list-id": {"headers": {"List-Id": "<neighbours.lists.example.org>"}},
    "mailer-daemon": {"sender": "Mail Delivery System <MAILER-DAEMON@mx.example.org>"},
    "postmaster": {"sender": "postmaster@example.org"},
    "empty return-path": {"headers": {"Return-Path": "<>"}},
    "x-autoreply": {"headers": {"X-Autoreply": "yes"}},
    "our own answer coming back": {"sender": "Balagh <no-reply@balagh.local>"},
}


@pytest.mark.parametrize("kind", list(LOOPS))
def test_automatic_mail_never_files_a_report_and_is_never_answered(kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = receive(mail(**LOOPS[kind]))
    assert code == 0, err  # accepted and dropped: a bounce to a machine would loop too
    assert out.startswith("ignored")
    assert not Complaint.objects.exists() and not Outbox.objects.exists() and not django_mail.outbox


def test_an_auto_reply_to_a_known_report_is_not_an_update_either():
    complaint = filed()
    auto = mail(subject=f"Re: {complaint.tracking_number}", headers={"Auto-Submitted": "auto-replied"}, message_id="<oof@x>")
    assert email_receive(raw=auto).action == "ignored"
    assert not complaint.events.filter(kind=Event.Kind.CITIZEN_MESSAGE).exists()


def test_the_example_auto_reply_is_ignored():
    assert receive(example("auto-reply.eml"))[0] == 0
    assert not Complaint.objects.exists()


# --------------------------------------------------------------------------- bad mail


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "nothing on standard input"),
        (b"this is not an e-mail at all", "no headers"),
        (b"From: \r\nSubject: x\r\n\r\nhello", "no sender"),
        (b"From: not an address\r\nSubject: x\r\n\r\nhello", "not an e-mail address"),
    ],
)
def test_bad_mail_is_refused_with_a_clear_error_and_nothing_is_saved(raw, message):
    code, _out, err = receive(raw)
    assert code in (65, 66)
    assert message in err
    assert not Complaint.objects.exists() and not IncomingMessage.objects.exists() and not Outbox.objects.exists()


def test_the_error_is_in_arabic_where_arabic_is_the_language():
    code, _out, err = receive(b"From: not an address\r\nSubject: x\r\n\r\nhello", language="ar")
    assert code == 65 and "ليس بريدًا إلكترونيًا" in err


def test_a_mail_with_no_text_and_no_photo_is_refused():
    code, _out, err = receive(mail(subject="", body=""))
    assert code == 65 and "no text and no photo" in err
    assert not Complaint.objects.exists()


def test_a_huge_mail_is_refused(monkeypatch):

    monkeypatch.setattr(parsing, "MAX_MAIL_BYTES", 2000)
    monkeypatch.setattr(receive_email, "MAX_MAIL_BYTES", 2000)
    code, _out, err = receive(mail(photos=3))
    assert code == 65 and "larger than" in err
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "date, expected",
    [
        ("Sat, 05 Dec 2026 09:14:00 +0300", "2026-12-05T06:14:00+00:00"),
        ("Sat, 05 Dec 2026 09:14:00 -0000", "2026-12-05T09:14:00+00:00"),
        ("Sat, 05 Dec 2026 09:14:00", "2026-12-05T09:14:00+00:00"),
    ],
)
def test_the_time_the_citizen_sent_it_is_kept_in_any_date_form(date, expected):
    raw = mail(message_id=None).replace(b"Sat, 05 Dec 2026 09:14:00 +0300", date.encode())
    email_receive(raw=raw)
    received = IncomingMessage.objects.get().received_at
    assert received.astimezone(datetime.UTC).isoformat() == expected


def test_a_nonsense_date_is_replaced_by_the_time_it_arrived():
    raw = mail().replace(b"Sat, 05 Dec 2026 09:14:00 +0300", b"the day after yesterday")
    assert email_receive(raw=raw).action == "filed"


def test_a_body_in_an_unknown_charset_is_still_read():
    raw = (
        b"From: sara@example.org\r\nSubject: test\r\nMessage-ID: <cs@x>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nThe lamp post is broken."
    )
    assert email_receive(raw=raw).action == "filed"
    assert "lamp post" in Complaint.objects.get().description


def test_the_database_being_down_asks_the_mail_server_to_try_again(monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(receive_email, "email_receive", down)
    code, _out, err = receive(mail())
    assert code == 75 and "try again" in err


# --------------------------------------------------------------------------- the pieces


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    text = html_to_text("<p>سطر&nbsp;أول</p><script>alert(1)</script><div>سطر<br>ثان</div>")
    assert text == "سطر أول\n\nسطر\nثان"


def test_strip_quoted_keeps_what_the_citizen_wrote():
    assert strip_quoted("Still broken.\n\nOn Sun, 6 Dec, Balagh wrote:\n> old") == "Still broken."
    assert strip_quoted("ما زالت\n> قديم") == "ما زالت"


def test_parse_mail_reads_the_thread():
    parsed = parse_mail(mail(headers={"In-Reply-To": "<a@x>", "References": "<z@x> <a@x>"}))
    assert parsed.thread_ids == ["<a@x>", "<z@x>"]


def test_a_very_long_mail_is_kept_in_part_and_filed():
    email_receive(raw=mail(body="حفرة " * 20_000))
    complaint = Complaint.objects.get()
    assert len(complaint.description) == 4000 and len(IncomingMessage.objects.get().text) == 20_000
