"""The report, its category tree, photos and timeline."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.workflow import OPEN_STATUSES, ClosureReason, Status
from municipality.history import ConfigHistory
from municipality.models import BilingualName, Department, District, Utility


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    APP = "app", _("Mobile app")
    PHONE_940 = "phone_940", _("940 call centre")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TWITTER = "twitter", _("X (Twitter)")
    EMAIL = "email", _("E-mail")
    FIELD_OFFICER = "field_officer", _("Field officer")
    QR = "qr", _("QR code")
    WALK_IN = "walk_in", _("Walk-in")
    OPEN311 = "open311", _("Open311")


# Channels an intake agent picks when filing for a caller.
AGENT_CHANNELS = [Channel.PHONE_940, Channel.WHATSAPP, Channel.TWITTER, Channel.EMAIL, Channel.WALK_IN, Channel.FIELD_OFFICER]


class CategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def main_types(self):
        return self.filter(parent__isnull=True)

    def sub_types(self):
        return self.filter(parent__isnull=False)


class Category(BilingualName):
    """A main type (no parent) or a sub-type (its parent is the main type)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("main type")
    )
    default_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("default department")
    )
    default_priority = models.CharField(_("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    response_hours = models.PositiveIntegerField(
        _("response target (hours)"),
        default=8,
        help_text=_("Working hours (8 a day) for a normal-priority report; the priority table scales it."),
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution target (hours)"),
        default=24,
        help_text=_("Working hours (8 a day) for a normal-priority report: 24 = 3 working days."),
    )
    needs_photo = models.BooleanField(_("photo required"), default=False)
    allow_anonymous = models.BooleanField(_("anonymous reports allowed"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=100)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)

    objects = CategoryQuerySet.as_manager()

    history = ConfigHistory()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]


def new_token() -> str:
    return secrets.token_urlsafe(16)


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def for_list(self):
        return self.select_related("category", "category__parent", "department", "utility", "district", "assignee")


class Complaint(models.Model):
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True, editable=False)
    token = models.CharField(_("public token"), max_length=32, unique=True, default=new_token, editable=False)

    # Empty (with lat/lon) while the report waits in the triage queue: a channel message
    # (an e-mail, a tweet) comes without a sub-type or a pin, and an agent completes them.
    # db_index=False on category and utility: complaint_cat_status_lat and complaint_utility_status_dist
    # begin with them (migration 0018).
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("category"),
        db_index=False,
    )
    description = models.TextField(_("description"))
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    address = models.CharField(_("address"), max_length=255, blank=True)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints", verbose_name=_("district")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    external_id = models.CharField(
        _("channel message id"), max_length=120, blank=True, help_text=_("So a re-sent message never makes a second report.")
    )

    reporter_name = models.CharField(_("reporter name"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("reporter mobile"), max_length=20, blank=True, db_index=True)
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    language = models.CharField(_("language"), max_length=5, default="ar")

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    closure_reason = models.CharField(_("closure reason"), max_length=30, choices=ClosureReason.choices, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("department")
    )
    utility = models.ForeignKey(
        Utility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("utility"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("filed by")
    )

    # The clock.
    created_at = models.DateTimeField(_("received"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    on_hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0, validators=[MaxValueValidator(3)])
    # The escalation ladder's thresholds, computed with working-time arithmetic whenever the
    # due times are set (complaints.sla), so the sweep decides "due" in plain indexed SQL.
    at_risk_at = models.DateTimeField(_("at risk from"), null=True, blank=True)
    escalate_l1_at = models.DateTimeField(_("escalates to level 1 at"), null=True, blank=True)
    escalate_l2_at = models.DateTimeField(_("escalates to level 2 at"), null=True, blank=True)
    escalate_l3_at = models.DateTimeField(_("escalates to level 3 at"), null=True, blank=True)
    response_alert_at = models.DateTimeField(_("response alert at"), null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(_("at-risk warning sent"), null=True, blank=True)
    response_alerted_at = models.DateTimeField(_("response alert sent"), null=True, blank=True)

    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates", verbose_name=_("duplicate of")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("times transferred"), default=0)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "department"], name="complaint_status_dept"),
            models.Index(fields=["lat", "lon"], name="complaint_lat_lon"),
            models.Index(fields=["category", "status", "lat"], name="complaint_cat_status_lat"),
            # A liaison's list is one utility's reports (a few per cent of all): its filters and its
            # newest-first walk stay inside that scope rather than intersecting a bitmap over the whole
            # table (a district: a tenth of it). Both are read through the admin (migration 0017).
            models.Index(fields=["utility", "status", "district"], name="complaint_utility_status_dist"),
            models.Index(
                fields=["utility", "-created_at"], name="complaint_utility_newest", condition=models.Q(utility__isnull=False)
            ),
            # The committee's KPIs: closed / resolved / rated within a period, backlog at a past date.
            models.Index(fields=["closed_at"], name="complaint_closed_at"),
            models.Index(fields=["resolved_at"], name="complaint_resolved_at"),
            models.Index(fields=["rated_at"], name="complaint_rated_at"),
            # The triage queue (the admin's "triage" filter): a few reports among millions.
            models.Index(
                fields=["-created_at"],
                name="complaint_triage_queue",
                condition=models.Q(category__isnull=True) | models.Q(lat__isnull=True) | models.Q(lon__isnull=True),
            ),
            # The escalation sweep does not read this table through an index: its queue is
            # LadderStep. No index here may name a column the sweep writes (escalation_level,
            # at_risk_notified_at, response_alerted_at), so that its UPDATEs stay HOT on PostgreSQL.
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="complaint_unique_channel_message",
            ),
            models.CheckConstraint(
                name="complaint_rating_1_to_5", condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5)
            ),
            models.CheckConstraint(name="complaint_escalation_0_to_3", condition=models.Q(escalation_level__lte=3)),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def owner(self):
        return self.utility or self.department

    @property
    def main_category(self) -> Category | None:
        category = self.category
        if category is None:
            return None
        return category.parent or category

    @property
    def has_pin(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def needs_triage(self) -> bool:
        """No sub-type or no pin yet: an agent completes them before it can be routed."""
        return self.category_id is None or not self.has_pin


class TrackingSequence(models.Model):
    """One counter per month prefix; incremented inside the submitting transaction, so no gaps."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"complaints/{instance.complaint.created_at:%Y/%m}/{instance.complaint.tracking_number}/{secrets.token_hex(8)}.jpg"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("Before")
        AFTER = "after", _("After")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report"))
    file = models.ImageField(_("photo"), upload_to=attachment_path)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BEFORE)
    is_public = models.BooleanField(_("public"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at"]


class Event(models.Model):
    """The timeline and the audit log: one row per change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Report received")
        ROUTED = "routed", _("Routed")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred")
        REFERRED = "referred", _("Referred to a utility")
        RETURNED = "returned", _("Returned to the municipality")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        STARTED = "started", _("Work started")
        HELD = "held", _("Put on hold")
        RESUMED = "resumed", _("Resumed")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        NOTE = "note", _("Internal note")
        UPDATE = "update", _("Public update")
        RATED = "rated", _("Rated")
        PRIORITY = "priority", _("Priority changed")
        CATEGORY = "category", _("Category changed")
        MERGED = "merged", _("Merged")
        ESCALATED = "escalated", _("Escalated")
        AT_RISK = "at_risk", _("At risk of breach")
        FOLLOWED = "followed", _("Followed by another citizen")
        TRIAGED = "triaged", _("Type and location completed")
        CITIZEN_MESSAGE = "citizen_message", _("Message from the citizen")

    # db_index=False: event_complaint_time (complaint, created_at) serves every lookup by report.
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("report"), db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
        db_index=False,  # see event_actor: system events (the sweep's) have no actor and no index entry
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))  # by time: only transfers are looked up (event_transfer_cover)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["complaint", "created_at"], name="event_complaint_time"),
            models.Index(fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)),
            # The transfers of a period (committee reports, routing's transfer table); the sweep's
            # thousands of escalation events add no entry here.
            # Covering (PostgreSQL): a period's transfers are counted from the index alone, not from the
            # heap pages they are spread over (one per transfer at a busy centre).
            models.Index(
                fields=["created_at"],
                name="event_transfer_cover",
                include=["complaint", "data"],
                condition=models.Q(kind="transferred"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"

    @property
    def display_text(self) -> str:
        """The text in the reader's language (system texts are rendered again; typed ones stay as typed)."""
        from complaints.event_texts import display_text

        return display_text(self)


class IncomingMessage(models.Model):
    """What a citizen sent on a channel, as it arrived: the original of a report or a later message.

    The agent completing a triage report reads it here (text, sender, time, photos); its
    ``(channel, external_id)`` makes a re-delivered message harmless, for the first message
    (the report) and for the replies alike.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="incoming", verbose_name=_("report"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(_("channel message id"), max_length=120, blank=True)
    is_original = models.BooleanField(_("original message"), default=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received"))
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="incoming_unique_channel_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id or self.pk}"


class ContactRead(models.Model):
    """A staff member was shown a reporter's full mobile (PDPL: who read whose number, when)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="contact_reads", verbose_name=_("report"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("staff member")
    )

    class Where(models.TextChoices):
        REPORT_PAGE = "report page", _("report page")
        EXPORT = "export", _("download (CSV)")
        OUTBOX = "outbox", _("message sent (outbox)")
        WHATSAPP = "whatsapp log", _("WhatsApp message or conversation")

    at = models.DateTimeField(_("when"), auto_now_add=True)
    where = models.CharField(_("where"), max_length=20, choices=Where.choices, default=Where.REPORT_PAGE)

    class Meta:
        verbose_name = _("read of a reporter's number")
        verbose_name_plural = _("reads of reporters' numbers")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"], name="contactread_at")]
