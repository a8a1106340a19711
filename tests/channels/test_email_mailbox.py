"""The mailbox poller: IMAP (against a fake IMAP server on localhost) and a maildir folder."""

from __future__ import annotations

import mailbox

import pytest

from channels.email.mailboxes import MailboxError, mailbox_poll
from channels.email.tasks import poll_mailbox
from complaints.models import Complaint
from notifications.models import Outbox
from tests.channels.fake_imap import FakeIMAPServer, FakeIMAPState
from tests.channels.mail import example, mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap():
    state = FakeIMAPState()
    with FakeIMAPServer(state) as server:
        server.url = f"imap://intake:secret@127.0.0.1:{server.port}/INBOX"
        yield server


def test_the_poller_files_unread_mail_and_marks_it_seen(imap):
    imap.state.add(example("arabic-mail.eml"))
    imap.state.add(mail(message_id="<second@example.org>", sender="ali@example.org"))
    imap.state.add(mail(message_id="<oof@example.org>", headers={"Auto-Submitted": "auto-replied"}))
    result = mailbox_poll(url=imap.url)
    assert result.counts == {"filed": 2, "ignored": 1}
    assert Complaint.objects.filter(channel="email").count() == 2
    assert imap.state.seen() == [1, 2, 3]
    assert "UID FETCH" in imap.state.commands and "UID STORE" in imap.state.commands
    # The next poll finds nothing new; a re-delivered copy of the first mail changes nothing.
    imap.state.add(example("arabic-mail.eml"))
    assert mailbox_poll(url=imap.url).counts == {"duplicate": 1}
    assert Complaint.objects.count() == 2 and Outbox.objects.filter(channel="email").count() == 2


def test_unreadable_mail_is_set_aside_not_retried_forever(imap):
    imap.state.add(b"garbage without headers")
    assert mailbox_poll(url=imap.url).counts == {"refused": 1}
    assert imap.state.seen() == [1] and not Complaint.objects.exists()


def test_wrong_credentials_are_a_clear_mailbox_error(imap):
    with pytest.raises(MailboxError):
        mailbox_poll(url=imap.url.replace("secret", "wrong"))


def test_a_mailbox_that_is_down_does_not_break_the_beat_task(settings):
    settings.IMAP_URL = "imap://intake:secret@127.0.0.1:9/INBOX"  # discard port: nothing listens
    assert poll_mailbox() == {"error": 1}


def test_the_beat_task_does_nothing_without_imap_url(settings):
    settings.IMAP_URL = ""
    assert poll_mailbox() == {}


def test_the_beat_task_polls_imap_url(settings, imap):
    imap.state.add(mail())
    settings.IMAP_URL = imap.url
    assert poll_mailbox() == {"filed": 1}


def test_a_maildir_folder_works_the_same(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mail())
    box.add(mail(message_id="<b@example.org>", sender="ali@example.org"))
    url = f"maildir://{tmp_path / 'Maildir'}"
    assert mailbox_poll(url=url).counts == {"filed": 2}
    assert mailbox_poll(url=url).counts == {}  # moved to cur/ with the S flag
    assert all("S" in message.get_flags() for message in mailbox.Maildir(tmp_path / "Maildir").values())
