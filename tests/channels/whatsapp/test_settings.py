"""WhatsApp's settings are checked at start-up, with the variable named."""

import pytest

from tests.municipality.test_settings_env import PRODUCTION, last_line, start


@pytest.mark.parametrize(
    "variables, named",
    [
        ({"DEBUG": "1", "WHATSAPP_BACKEND": "pigeon"}, "WHATSAPP_BACKEND"),
        ({"DEBUG": "1", "WHATSAPP_MEDIA_BACKEND": "fax"}, "WHATSAPP_MEDIA_BACKEND"),
        ({"DEBUG": "1", "WHATSAPP_ABANDON_MINUTES": "half an hour"}, "WHATSAPP_ABANDON_MINUTES"),
        ({**PRODUCTION, "WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v"}, "WHATSAPP_ACCESS_TOKEN"),
        ({**PRODUCTION, "WHATSAPP_APP_SECRET": "s", "WHATSAPP_ACCESS_TOKEN": "t"}, "WHATSAPP_VERIFY_TOKEN"),
    ],
    ids=["unknown backend", "unknown media backend", "minutes not a number", "on without a token", "on without verify token"],
)
def test_a_bad_whatsapp_setting_stops_start_up(tmp_path, variables, named):
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    message = last_line(result)
    assert message.startswith(("django.core.exceptions.ImproperlyConfigured", "municipality.env.SettingError")), result.stderr[
        -1500:
    ]
    assert named in message, message


def test_production_without_whatsapp_starts(tmp_path):
    assert start(tmp_path, **PRODUCTION).returncode == 0
