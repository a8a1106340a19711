"""``whatsapp_simulate`` signs and posts a message to the running site, as Meta would."""

import pytest
from django.core.management import CommandError, call_command

from channels.whatsapp import simulate
from channels.whatsapp.models import InboundMessage


@pytest.mark.django_db(transaction=True)
def test_the_command_posts_a_signed_message_the_site_accepts(live_server, whatsapp_files, capsys):
    url = f"{live_server.url}/webhooks/whatsapp/"
    call_command("whatsapp_simulate", "--text", "حفرة كبيرة أمام المدرسة", "--url", url)
    call_command("whatsapp_simulate", "--location", "18.30,42.73", "--url", url)
    out = capsys.readouterr().out
    assert "HTTP 200" in out
    assert list(InboundMessage.objects.order_by("pk").values_list("kind", flat=True)) == ["text", "location"]


@pytest.mark.django_db(transaction=True)
def test_the_command_says_clearly_when_the_secret_does_not_match(live_server, whatsapp_files, settings, monkeypatch):
    url = f"{live_server.url}/webhooks/whatsapp/"

    monkeypatch.setattr(simulate, "signed", lambda body, secret=None: "sha256=" + "0" * 64)
    with pytest.raises(CommandError, match="HTTP 403"):
        call_command("whatsapp_simulate", "--text", "hello", "--url", url)
    assert not InboundMessage.objects.exists()


def test_a_bad_location_is_refused_before_posting():
    with pytest.raises(CommandError, match="LAT,LON"):
        call_command("whatsapp_simulate", "--location", "north", "--url", "http://127.0.0.1:9/")
