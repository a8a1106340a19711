"""The API-key rate and the Open311 jurisdiction are checked at start-up, with the variable named."""

from __future__ import annotations

import pytest

from tests.municipality.test_settings_env import last_line, start


@pytest.mark.parametrize(
    ("variables", "named", "hint"),
    [
        ({"BALAGH_API_KEY_RATE": "fast"}, "BALAGH_API_KEY_RATE", "NUMBER/UNIT"),
        ({"BALAGH_API_KEY_RATE": "0/min"}, "BALAGH_API_KEY_RATE", "NUMBER/UNIT"),
        ({"BALAGH_API_KEY_RATE": "10/fortnight"}, "BALAGH_API_KEY_RATE", "NUMBER/UNIT"),
        ({"OPEN311_JURISDICTION_ID": "Khamis Mushait"}, "OPEN311_JURISDICTION_ID", "without spaces"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variables, named, hint):
    result = start(tmp_path, DEBUG="1", **variables)
    assert result.returncode != 0
    assert named in last_line(result) and hint in last_line(result)


def test_good_values_start(tmp_path):
    result = start(tmp_path, DEBUG="1", BALAGH_API_KEY_RATE="5000/day", OPEN311_JURISDICTION_ID="khamis-mushait.gov.sa")
    assert result.returncode == 0, result.stderr
