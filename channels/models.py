"""The channels app's models; each concern keeps its own module."""

from channels.api_keys.models import ApiKey, Scope
from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact
from channels.x.models import XCursor, XReply

__all__ = ["ApiKey", "Conversation", "InboundMessage", "Scope", "WhatsAppContact", "XCursor", "XReply"]
