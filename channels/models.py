"""The channels app's models; each concern keeps its own module."""

from channels.api_keys.models import ApiKey, Scope

__all__ = ["ApiKey", "Scope"]
