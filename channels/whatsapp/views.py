"""``/webhooks/whatsapp/``: Meta's verification handshake (GET) and its signed notifications (POST)."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels.whatsapp.intake import BadPayload, inbound_store
from channels.whatsapp.transport import SIGNATURE_HEADER, signature_valid

log = logging.getLogger(__name__)


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return verify(request)
    return receive(request)


def verify(request: HttpRequest) -> HttpResponse:
    """Answer the challenge when the mode is ``subscribe`` and the token is ours; else 403."""
    token = request.GET.get("hub.verify_token", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and settings.WHATSAPP_VERIFY_TOKEN
        and constant_time_compare(token, settings.WHATSAPP_VERIFY_TOKEN)
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return _refuse(403, _("Verification refused: wrong or missing token."))


def receive(request: HttpRequest) -> HttpResponse:
    """Check the signature of the raw body, store the messages, answer 200 at once."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.BALAGH_WHATSAPP_MAX_BODY_BYTES:
        return _refuse(413, _("The notification is too large."))
    body = request.read(settings.BALAGH_WHATSAPP_MAX_BODY_BYTES + 1)
    if len(body) > settings.BALAGH_WHATSAPP_MAX_BODY_BYTES:
        return _refuse(413, _("The notification is too large."))
    if not signature_valid(body, request.META.get(SIGNATURE_HEADER), settings.WHATSAPP_APP_SECRET):
        log.warning("WhatsApp webhook: missing or wrong signature from %s", request.META.get("REMOTE_ADDR"))
        return _refuse(403, _("Missing or wrong signature."))
    try:
        inbound_store(payload=json.loads(body))
    # json.JSONDecodeError and UnicodeDecodeError are ValueErrors; arrays nested past the parser's
    # depth raise RecursionError.
    except (ValueError, RecursionError, BadPayload):
        return _refuse(400, _("The notification is not valid WhatsApp JSON."))
    return HttpResponse("OK", content_type="text/plain")
