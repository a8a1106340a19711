"""Routing rules (who gets a report) and followers of a report."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from municipality.history import ConfigHistory
from municipality.models import Department, District, Utility


class RoutingRule(models.Model):
    """(main type or sub-type) × (district or any) → a department or a utility.

    The most specific rule wins (sub-type beats main type, a district beats
    "any district"), then the lower ``order``.
    """

    category = models.ForeignKey(
        "complaints.Category", on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("type or sub-type")
    )
    district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("district"),
        help_text=_("Empty: any district."),
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("department")
    )
    utility = models.ForeignKey(
        Utility, null=True, blank=True, on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("utility")
    )
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower first among equally specific rules."))
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Bumped on every save: the per-process rule cache compares it (see routing.rules).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = ConfigHistory(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                name="routingrule_exactly_one_owner",
                condition=(
                    models.Q(department__isnull=False, utility__isnull=True)
                    | models.Q(department__isnull=True, utility__isnull=False)
                ),
            ),
        ]

    def clean(self) -> None:
        if bool(self.department_id) == bool(self.utility_id):
            raise ValidationError(_("Choose either a department or a utility."))

    def __str__(self) -> str:
        where = self.district.name if self.district else _("any district")
        return f"{self.category} × {where} → {self.department or self.utility}"

    @property
    def owner(self):
        return self.department or self.utility


class Follower(models.Model):
    """A citizen who chose to follow an existing report instead of filing the same problem again.

    Their phone gets the report's public updates like the reporter's does.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="followers", verbose_name=_("report")
    )
    phone = models.CharField(_("mobile"), max_length=20)
    language = models.CharField(_("language"), max_length=5, default="ar")
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "phone"], name="follower_unique_phone_per_report"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} ← {self.phone[:-4]}****"
