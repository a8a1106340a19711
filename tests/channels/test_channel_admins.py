"""What the channels bring in is shown to administrators as it happened: nobody adds, edits or deletes it."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from channels.whatsapp.models import Conversation, InboundMessage
from channels.x.models import XCursor, XReply
from municipality.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGS = [InboundMessage, Conversation, XReply, XCursor]


@pytest.mark.parametrize("model", LOGS, ids=lambda m: m._meta.model_name)
def test_an_administrator_reads_a_channel_log_and_cannot_write_it(client, model):
    boss = make_user("boss", Role.ADMIN)
    client.force_login(boss)
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{name}_changelist")).status_code == 200
    assert client.get(reverse(f"{name}_add")).status_code == 403
    request = RequestFactory().get("/")
    request.user = boss
    model_admin = admin.site._registry[model]
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.parametrize("model", LOGS, ids=lambda m: m._meta.model_name)
def test_other_roles_do_not_see_a_channel_log(client, model):
    client.force_login(make_user("agent", Role.AGENT))
    assert client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")).status_code == 403
