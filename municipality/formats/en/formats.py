"""English dates: the same as Arabic (see municipality/formats/__init__.py)."""

from municipality.formats.ar.formats import *  # noqa: F403
