"""Admin of the intake channels; each channel keeps its own in its folder."""

from channels.whatsapp import admin as whatsapp_admin  # noqa: F401  (registers its models)
