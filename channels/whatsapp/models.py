"""What WhatsApp brought in: the raw messages, the citizens who wrote, their conversations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.services import description_is_enough


class InboundMessage(models.Model):
    """One message (or delivery status) exactly as the webhook received it, stored before any work.

    ``(channel, external_id)`` is unique: the same wamid sent twice is stored once and processed once.
    ``processed_at`` stays empty until the worker has handled it, so nothing is lost when the
    broker is down: the pick-up task finds the rows still waiting.
    """

    class Kind(models.TextChoices):
        TEXT = "text", pgettext_lazy("WhatsApp message kind", "Text")
        IMAGE = "image", pgettext_lazy("WhatsApp message kind", "Photo")
        LOCATION = "location", pgettext_lazy("WhatsApp message kind", "Location")
        INTERACTIVE = "interactive", _("List or button reply")
        BUTTON = "button", _("Quick reply")
        STATUS = "status", _("Delivery status")
        OTHER = "other", _("Other (not understood)")

    channel = models.CharField(_("channel"), max_length=20, default="whatsapp")
    external_id = models.CharField(_("message id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sender = models.CharField(_("from"), max_length=32, blank=True)
    sender_name = models.CharField(_("profile name"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("sent at (WhatsApp's time)"))
    payload = models.JSONField(_("message as received"), default=dict)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.CharField(_("result"), max_length=40, blank=True)
    conversation = models.ForeignKey(
        "channels.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("conversation"),
    )

    class Meta:
        app_label = "channels"
        verbose_name = _("incoming WhatsApp message")
        verbose_name_plural = _("incoming WhatsApp messages")
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_unique_channel_message")]
        indexes = [
            models.Index(fields=["received_at"], name="inbound_unprocessed", condition=models.Q(processed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        # Not the sender: the admin list, whose checkboxes are labelled with this, masks numbers.
        return f"{self.kind} #{self.pk}"


class WhatsAppContact(models.Model):
    """A citizen's WhatsApp number. Its row is locked while one of their messages is processed,
    so two workers never interleave one citizen's conversation."""

    wa_id = models.CharField(_("WhatsApp number"), max_length=32, unique=True)
    name = models.CharField(_("profile name"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=5, default="ar")
    created_at = models.DateTimeField(_("first message"), auto_now_add=True)

    class Meta:
        app_label = "channels"
        verbose_name = _("WhatsApp contact")
        verbose_name_plural = _("WhatsApp contacts")

    def __str__(self) -> str:
        return f"+{self.wa_id}" if self.wa_id else "—"  # the erased conversations' contact (retention)


class Conversation(models.Model):
    """A guided conversation that becomes one report: what the citizen has given so far.

    Description parts, photos, the location and the type may come in any order; each keeps
    WhatsApp's timestamp so a late, older message never overwrites a newer answer.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        FILED = "filed", _("Filed")
        CANCELLED = "cancelled", _("Cancelled by the citizen")

    contact = models.ForeignKey(
        WhatsAppContact, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("contact")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    language = models.CharField(_("language"), max_length=5, default="ar")
    first_wamid = models.CharField(_("first message id"), max_length=200)
    # [[timestamp, text], ...] and [[timestamp, stash token, file name], ...] (cleaned photos kept in a
    # complaints.photo_stash until filing), put in WhatsApp's order when the report is filed.
    texts = models.JSONField(_("description parts"), default=list, blank=True)
    photos = models.JSONField(_("photos"), default=list, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    location_ts = models.BigIntegerField(_("location sent at"), default=0)
    category = models.ForeignKey(
        "complaints.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    category_ts = models.BigIntegerField(_("type chosen at"), default=0)
    changed_ts = models.BigIntegerField(_("last change at"), default=0)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("report")
    )
    abandoned = models.BooleanField(_("filed without confirmation"), default=False)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"))
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_ts = models.BigIntegerField(_("confirmed at (WhatsApp's time)"), default=0)

    class Meta:
        app_label = "channels"
        verbose_name = _("WhatsApp conversation")
        verbose_name_plural = _("WhatsApp conversations")
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(status="open"), name="conversation_one_open_per_contact"
            ),
        ]
        indexes = [
            models.Index(fields=["last_message_at"], name="conversation_open_last", condition=models.Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_status_display()}"

    @property
    def description(self) -> str:
        return "\n".join(text for _ts, text in sorted(self.texts, key=lambda part: part[0])).strip()

    @property
    def has_description(self) -> bool:
        """Enough to file: the form's minimum description (visible characters, as the form counts), or photos."""
        return description_is_enough(self.description) or bool(self.photos)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_complete(self) -> bool:
        return self.has_description and self.has_location and self.category_id is not None
