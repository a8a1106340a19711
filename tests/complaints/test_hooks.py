"""complaints asks routing, the clock and notifications through slots they fill at start-up."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from complaints import hooks
from notifications.services import notify_complaint_event
from routing.rules import route_decision
from sla import clock, ladder


def test_every_slot_is_filled_by_its_app_at_start_up():
    assert hooks.router().decide is route_decision
    assert hooks.clock().due_times is clock.sla_fields and hooks.clock().sync is ladder.sync
    assert hooks.notifier().complaint_event is notify_complaint_event


def test_a_slot_nothing_filled_says_which_app_is_missing():
    with pytest.raises(ImproperlyConfigured, match="sla"):
        hooks.Slot("SLA clock (sla)")()
