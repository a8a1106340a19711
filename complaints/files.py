"""Citizens' photos and other private files leave only through views that check who asks.

Nothing under ``MEDIA_ROOT`` is served as a plain file any more (the web server need
not expose ``/media/``). Staff get a report's photos when they may view the report
(``access.can_view``); a tracking page and the API give the citizen *signed links that
expire* to the public photos; the report form previews its stashed photos through a
signed, short-lived link too. ``BALAGH_PHOTO_LINK_SECONDS`` sets how long a link works.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from complaints import access
from complaints.models import Attachment
from complaints.photo_stash import PhotoStash

PUBLIC_SALT = "balagh.photo.public"


def public_photo_url(attachment: Attachment) -> str:
    """A link to one public photo that works for ``BALAGH_PHOTO_LINK_SECONDS``."""
    return reverse("citizen:photo", args=[signing.dumps(attachment.pk, salt=PUBLIC_SALT, compress=False)])


def staff_photo_url(attachment: Attachment) -> str:
    return reverse("citizen:staff_photo", args=[attachment.pk])


def _jpeg(file, filename: str) -> FileResponse:
    response = FileResponse(file, content_type="image/jpeg", filename=filename)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def public_photo(request: HttpRequest, signed: str) -> FileResponse:
    """A public photo of a report, from a signed link (tracking page, API) that has not expired."""
    try:
        pk = int(signing.loads(signed, salt=PUBLIC_SALT, max_age=settings.BALAGH_PHOTO_LINK_SECONDS))
    except (signing.BadSignature, TypeError, ValueError):
        raise Http404 from None
    attachment = get_object_or_404(Attachment, pk=pk, is_public=True)
    return _jpeg(attachment.file.open("rb"), f"photo-{attachment.pk}.jpg")


@login_required
@require_GET
def staff_photo(request: HttpRequest, pk: int) -> FileResponse:
    """Any photo of a report the signed-in staff member may view; the same 404 otherwise."""
    attachment = get_object_or_404(Attachment.objects.select_related("complaint"), pk=pk)
    if not access.can_view(request.user, attachment.complaint):
        raise Http404
    return _jpeg(attachment.file.open("rb"), f"photo-{attachment.pk}.jpg")


@require_GET
def stash_photo(request: HttpRequest, signed: str) -> FileResponse:
    """The preview of a photo the citizen just uploaded (the form's stash), from a signed link."""
    found = PhotoStash.from_preview(signed, max_age=settings.BALAGH_PHOTO_LINK_SECONDS)
    if found is None:
        raise Http404
    stash, name = found
    return _jpeg(stash.open(name), "photo.jpg")
