"""The channels app's admin; each concern registers its own."""

import channels.api_keys.admin  # noqa: F401
import channels.whatsapp.admin  # noqa: F401
import channels.x.admin  # noqa: F401
