"""Media fetchers: the bytes of a photo the citizen sent, by WhatsApp's media id.

``WHATSAPP_MEDIA_BACKEND``:
- ``folder`` (development, tests): the file ``<WHATSAPP_MEDIA_FOLDER>/<media id>`` (any extension);
- ``graph``: the Cloud API (``GET /{media id}`` gives a short-lived URL, fetched with the same token).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from channels.whatsapp.transport import graph_request

MEDIA_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class MediaError(Exception):
    """The photo could not be fetched; the citizen is asked to send it again."""


class FolderMediaFetcher:
    def __init__(self, folder: str | None = None):
        self.folder = Path(folder or settings.BALAGH_WHATSAPP_MEDIA_FOLDER)

    def fetch(self, media_id: str) -> ContentFile:
        if not MEDIA_ID.match(media_id or ""):  # an id is a plain name: never a path, never a pattern
            raise MediaError(f"bad media id {media_id!r}")
        candidates = sorted(self.folder.glob(f"{media_id}*")) if self.folder.is_dir() else []
        match = next((p for p in candidates if p.name == media_id or p.stem == media_id), None)
        if match is None:
            raise MediaError(f"no media {media_id!r} in {self.folder}")
        limit = settings.BALAGH_MAX_PHOTO_BYTES
        data = match.read_bytes()[: limit + 1]
        return ContentFile(data, name=match.name)


class GraphMediaFetcher:
    def fetch(self, media_id: str) -> ContentFile:
        token = settings.WHATSAPP_ACCESS_TOKEN
        if not MEDIA_ID.match(media_id or "") or media_id.startswith("."):
            raise MediaError(f"bad media id {media_id!r}")
        try:
            info = graph_request(f"{settings.WHATSAPP_GRAPH_URL}/{media_id}", token=token)
            limit = settings.BALAGH_MAX_PHOTO_BYTES
            data = graph_request(str(info["url"]), token=token, raw=True, limit=limit)
        except (KeyError, TypeError) as exc:
            raise MediaError(f"no URL for media {media_id!r}") from exc
        except Exception as exc:
            raise MediaError(f"media {media_id!r}: {exc}") from exc
        return ContentFile(data, name=f"{media_id}.jpg")


def get_media_fetcher():
    return import_string(settings.BALAGH_WHATSAPP_MEDIA_BACKEND)()
