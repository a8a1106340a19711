"""The channels app's models; each concern keeps its own module."""

from channels.api_keys.models import ApiKey, Scope
from channels.x.models import XCursor, XReply

__all__ = ["ApiKey", "Scope", "XCursor", "XReply"]
