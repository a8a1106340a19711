"""Models of the intake channels; each channel keeps its own in its folder."""

from channels.whatsapp.models import Conversation, InboundMessage, WhatsAppContact

__all__ = ["Conversation", "InboundMessage", "WhatsAppContact"]
