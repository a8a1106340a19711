"""Photos a citizen already uploaded, kept while the form goes back and forth.

A form with an error, the confirm page and "edit" must not make the citizen pick the
photos again. Cleaned photos (real images, EXIF stripped) are written under
``MEDIA_ROOT/tmp/<random token>/`` and the form carries a *signed* reference to them,
so nobody can point the form at files that are not theirs. The stash is deleted when
the report is filed; ``purge_stale_stashes`` removes abandoned ones.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

ROOT = "tmp"
SALT = "balagh.citizen.photo-stash"
PREVIEW_SALT = "balagh.citizen.photo-stash.preview"
MAX_AGE = timedelta(days=1)
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_NAME_RE = re.compile(r"^[0-9a-f]{12}\.jpg$")


@dataclass
class PhotoStash:
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    names: list[str] = field(default_factory=list)

    # -- reference carried by the form

    def sign(self) -> str:
        return signing.dumps({"t": self.token, "f": self.names}, salt=SALT, compress=True)

    @classmethod
    def load(cls, signed: str | None) -> PhotoStash:
        """The stash a signed reference points to; an empty stash for anything missing, old or forged."""
        if not signed:
            return cls()
        try:
            data = signing.loads(signed, salt=SALT, max_age=MAX_AGE)
            token, names = data["t"], list(data["f"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return cls()
        if not _TOKEN_RE.match(token):
            return cls()
        stash = cls(token=token)
        stash.names = [n for n in names if isinstance(n, str) and _NAME_RE.match(n) and default_storage.exists(stash.path(n))]
        return stash

    # -- files

    def path(self, name: str) -> str:
        return f"{ROOT}/{self.token}/{name}"

    def add(self, photo: ContentFile) -> str:
        name = f"{secrets.token_hex(6)}.jpg"
        photo.seek(0)
        default_storage.save(self.path(name), ContentFile(photo.read()))
        self.names.append(name)
        return name

    def remove(self, name: str) -> None:
        if name in self.names:
            self.names.remove(name)
            default_storage.delete(self.path(name))

    def files(self) -> list[ContentFile]:
        out = []
        for name in self.names:
            with default_storage.open(self.path(name), "rb") as handle:
                out.append(ContentFile(handle.read(), name="photo.jpg"))
        return out

    def open(self, name: str):
        return default_storage.open(self.path(name), "rb")

    def photos(self) -> list[dict]:
        """``[{"name": ..., "url": ...}]`` for previews: signed links that expire (served by complaints.files)."""
        return [{"name": name, "url": self.preview_url(name)} for name in self.names]

    def preview_url(self, name: str) -> str:
        return reverse("citizen:stash_photo", args=[signing.dumps([self.token, name], salt=PREVIEW_SALT, compress=False)])

    @classmethod
    def from_preview(cls, signed: str, *, max_age: int) -> tuple[PhotoStash, str] | None:
        """The stash and file name a preview link names, if the link is genuine, recent and the file is there."""
        try:
            token, name = signing.loads(signed, salt=PREVIEW_SALT, max_age=max_age)
        except (signing.BadSignature, TypeError, ValueError):
            return None
        if not (isinstance(token, str) and isinstance(name, str) and _TOKEN_RE.match(token) and _NAME_RE.match(name)):
            return None
        stash = cls(token=token, names=[name])
        return (stash, name) if default_storage.exists(stash.path(name)) else None

    def discard(self) -> None:
        for name in list(self.names):
            default_storage.delete(self.path(name))
        self.names = []
        _remove_empty_dir(f"{ROOT}/{self.token}")

    def __len__(self) -> int:
        return len(self.names)


def _remove_empty_dir(relative: str) -> None:
    try:
        directory = default_storage.path(relative)
    except NotImplementedError:  # remote storage: there are no directories
        return
    import os

    try:
        os.rmdir(directory)
    except OSError:
        pass


def purge_stale_stashes(*, older_than: timedelta = MAX_AGE) -> int:
    """Delete stashes nobody came back to; returns how many files went."""
    if not default_storage.exists(ROOT):
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    tokens, _files = default_storage.listdir(ROOT)
    for token in tokens:
        if not _TOKEN_RE.match(token):
            continue
        _dirs, names = default_storage.listdir(f"{ROOT}/{token}")
        for name in names:
            path = f"{ROOT}/{token}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        _remove_empty_dir(f"{ROOT}/{token}")
    return removed
