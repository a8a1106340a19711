"""The e-mail and X intake settings are checked at start-up, naming the variable."""

from __future__ import annotations

import pytest

from tests.municipality.test_settings_env import last_line, start


@pytest.mark.parametrize(
    "variables, named, hint",
    [
        ({"IMAP_URL": "pop3://user:pw@mail.example.org"}, "IMAP_URL", "imaps://"),
        ({"IMAP_URL": "imaps://mail.example.org/INBOX"}, "IMAP_URL", "user and a host"),
        ({"IMAP_URL": "imaps://u:pw@mail.example.org:99x/INBOX"}, "IMAP_URL", "port"),
        ({"IMAP_URL": "maildir://"}, "IMAP_URL", "folder"),
        ({"IMAP_POLL_SECONDS": "often"}, "IMAP_POLL_SECONDS", "whole number"),
        ({"X_BACKEND": "carrier-pigeon"}, "X_BACKEND", "fake or api"),
        ({"X_BACKEND": "api"}, "X_BACKEND=api", "X_BEARER_TOKEN"),
    ],
    ids=["imap scheme", "imap without user", "imap port", "maildir without folder", "poll interval", "x backend", "x token"],
)
def test_a_bad_channel_setting_stops_start_up(tmp_path, variables, named, hint):
    result = start(tmp_path, DEBUG="1", **variables)
    assert result.returncode != 0
    message = last_line(result)
    assert message.startswith("municipality.env.SettingError"), result.stderr[-2000:]
    assert named in message and hint in message, message


def test_the_mailbox_password_is_never_echoed(tmp_path):
    result = start(tmp_path, DEBUG="1", IMAP_URL="imaps://intake:Sup3rS3cret@mail.example.org:99x/INBOX")
    assert result.returncode != 0 and "Sup3rS3cret" not in result.stderr


def test_good_channel_settings_load(tmp_path):
    result = start(
        tmp_path,
        DEBUG="1",
        IMAP_URL="imaps://intake%40city.example:pw@mail.example.org/INBOX",
        X_BACKEND="api",
        X_BEARER_TOKEN="token",
        X_ACCOUNT_ID="12345",
    )
    assert result.returncode == 0, result.stderr[-2000:]
