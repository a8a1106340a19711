"""What the X channel must remember: where the mentions poll stands, and our answer to each mention."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class XCursor(models.Model):
    """The newest mention already read for an X account, so the next poll resumes after it."""

    account_id = models.CharField(_("X account id"), max_length=40, primary_key=True)
    since_id = models.CharField(_("newest mention read"), max_length=40, blank=True)
    polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)

    class Meta:
        verbose_name = _("X mentions cursor")
        verbose_name_plural = _("X mentions cursors")

    def __str__(self) -> str:
        return f"{self.account_id} > {self.since_id or '-'}"


class XReply(models.Model):
    """Our public answer to one mention: the tracking number, sent once.

    One row per mention (``tweet_id`` unique), claimed with a conditional update before it is
    sent, so a re-read mention or two workers never post the answer twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    tweet_id = models.CharField(_("mention"), max_length=40, unique=True)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="x_replies", verbose_name=_("report")
    )
    text = models.CharField(_("text"), max_length=280)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    reply_id = models.CharField(_("our reply"), max_length=40, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply on X")
        verbose_name_plural = _("replies on X")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="xreply_status_created")]

    def __str__(self) -> str:
        return f"{self.tweet_id} ({self.status})"
