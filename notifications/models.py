"""The outbox (every SMS and e-mail, written in the same transaction as the change) and its templates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")


class MessageTemplate(models.Model):
    """One text per (code, channel, language), in Django template syntax."""

    class Code(models.TextChoices):
        CREATED = "created", _("Citizen: report received")
        IN_PROGRESS = "in_progress", _("Citizen: work started")
        RESOLVED = "resolved", _("Citizen: resolved (with the rating link)")
        CLOSED = "closed", _("Citizen: closed")
        REOPENED = "reopened", _("Citizen: reopened")
        ASSIGNED = "assigned", _("Staff: report assigned")
        AT_RISK = "at_risk", _("Staff: at risk of breach")
        ESCALATED = "escalated", _("Staff: escalation")
        RESPONSE_LATE = "response_late", _("Staff: response time breached")
        ESCALATION_DIGEST = "escalation_digest", _("Staff: many reports at once (at risk, late or escalated)")
        UPDATE = "update", _("Citizen: public update (WhatsApp)")
        CHAT = "chat", _("Citizen: WhatsApp conversation")
        PHONE_CODE = "phone_code", _("Citizen: one-time code to confirm the mobile")

    code = models.CharField(_("message"), max_length=30, choices=Code.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5, default="ar")
    subject = models.CharField(_("subject (e-mail)"), max_length=200, blank=True)
    body = models.TextField(
        _("text"),
        help_text=_("Django template syntax, e.g. {{ tracking_number }}, {{ link }}, {{ status }}, {{ department }}."),
    )
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["code", "channel", "language"], name="messagetemplate_unique_code_channel_language"),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} · {self.get_channel_display()} · {self.language}"


class Outbox(models.Model):
    class Delivery(models.TextChoices):
        """What the provider reported after it took the message (WhatsApp's statuses), only ever forward."""

        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (limit)")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    template = models.CharField(_("message"), max_length=30, choices=MessageTemplate.Code.choices)
    language = models.CharField(_("language"), max_length=5, default="ar")
    context = models.JSONField(_("context"), default=dict, blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("report"),
        db_index=False,  # covered by outbox_complaint_channel
    )
    is_citizen = models.BooleanField(_("to the citizen"), default=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text sent"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    locked_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    # While "sending": the worker renews this as long as it is alive; once it has passed, the worker
    # is presumed dead and the periodic re-send takes the row back (notifications.services).
    lease_until = models.DateTimeField(_("sending lease until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Database defaults: the escalation sweep inserts rows with raw SQL naming only its own columns.
    provider_id = models.CharField(_("provider's message id"), max_length=128, blank=True, db_default="")
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, blank=True, db_default="")

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        # Few indexes: the escalation sweep inserts these rows by the hundred thousand.
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="outbox_unique_idempotency_key")]
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending_created", condition=models.Q(status="pending")),
            models.Index(fields=["complaint", "channel", "created_at"], name="outbox_complaint_channel"),
            # Delivery statuses name the provider's id; only WhatsApp rows have one.
            models.Index(fields=["provider_id"], name="outbox_provider_id", condition=~models.Q(provider_id="")),
        ]

    def __str__(self) -> str:
        # No address: this text names the row in admin lists, headings and logs, where a citizen's number is not shown.
        return f"{self.get_channel_display()} #{self.pk} ({self.template})"


class PhoneCode(models.Model):
    """A one-time code sent by SMS: whoever types it back holds the mobile.

    Only a keyed hash of the code is stored (with a random salt of its own). The code
    is checked against the latest open row for the same purpose, mobile and report.
    """

    class Purpose(models.TextChoices):
        FOLLOW = "follow", _("Follow a report")
        MY_REPORTS = "my_reports", _("See my reports")

    salt = models.CharField(pgettext_lazy("one-time code", "salt"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    phone = models.CharField(_("mobile"), max_length=20)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("report")
    )
    language = models.CharField(_("language"), max_length=5, default="ar")
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["phone", "purpose", "created_at"], name="phonecode_phone_purpose"),
            models.Index(fields=["expires_at"], name="phonecode_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.phone[:-4]}****"
