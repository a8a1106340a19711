"""The organisation: departments, utilities, districts and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from simple_history import register

from municipality.history import ConfigHistory


class BilingualName(models.Model):
    """Arabic and English names; ``name`` follows the active language."""

    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "ar").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ar

    def __str__(self) -> str:
        return self.name


class Department(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_triage = models.BooleanField(
        _("triage queue"), default=False, help_text=_("Reports nobody else owns land here for agents to sort.")
    )
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)
    # Bumped on every save: the routing rules' cache fingerprints it (routing.rules._rules_version).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = ConfigHistory(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]


class Utility(BilingualName):
    class Kind(models.TextChoices):
        WATER = "water", _("Water")
        ELECTRICITY = "electricity", _("Electricity")
        TELECOM = "telecom", _("Telecom")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)
    # Bumped on every save: the routing rules' cache fingerprints it (routing.rules._rules_version).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = ConfigHistory(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("utility")
        verbose_name_plural = _("utilities")
        ordering = ["code"]


class District(BilingualName):
    """A sub-municipality or neighbourhood with its boundary as a GeoJSON geometry."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    polygon = models.JSONField(_("boundary (GeoJSON)"), help_text=_("A GeoJSON Polygon or MultiPolygon geometry."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]


class Role(models.TextChoices):
    AGENT = "agent", _("Intake agent")
    OFFICER = "officer", _("Department officer")
    HEAD = "head", _("Department head")
    LIAISON = "liaison", _("Utility liaison")
    COMMITTEE = "committee", _("Follow-up committee")
    MAYOR = "mayor", _("Mayor")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=pgettext_lazy("field", "user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("department")
    )
    utility = models.ForeignKey(
        Utility, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("utility")
    )
    phone = models.CharField(_("mobile"), max_length=20, blank=True)

    history = ConfigHistory()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                name="staffprofile_department_roles_have_department",
                condition=~models.Q(role__in=["officer", "head"]) | models.Q(department__isnull=False),
            ),
            models.CheckConstraint(
                name="staffprofile_liaison_has_utility",
                condition=~models.Q(role="liaison") | models.Q(utility__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class WorkingWeek(models.Model):
    """The municipality's working hours (one row is used: the first active one)."""

    name = models.CharField(pgettext_lazy("field", "name"), max_length=100, default="Default")
    # Python weekday numbers: Monday=0 ... Sunday=6. Saudi week: Sunday–Thursday.
    days = models.JSONField(_("working days"), default=list, help_text=_("Weekday numbers, Monday=0 … Sunday=6."))
    start = models.TimeField(_("starts"), default="08:00")
    end = models.TimeField(_("ends"), default="16:00")
    active = models.BooleanField(pgettext_lazy("field", "active"), default=True)

    history = ConfigHistory()

    class Meta:
        verbose_name = _("working week")
        verbose_name_plural = _("working weeks")

    def __str__(self) -> str:
        return self.name


class Holiday(BilingualName):
    date = models.DateField(pgettext_lazy("field", "date"), unique=True)

    history = ConfigHistory()

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class RecoveryDevice(ThrottlingMixin, TimestampMixin, Device):
    """A staff member's recovery codes for two-factor sign-in (a lost phone), as a django-otp device.

    Each code is kept only as a keyed hash (``RecoveryCode``): a copy of the database does not
    sign anyone in. A code works once: the DELETE of its row decides, so two sign-ins with the same
    code cannot both pass. Wrong codes slow the device down like django-otp's own devices.
    """

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1  # seconds, doubling with each wrong code (django-otp's static codes use the same)

    def verify_token(self, token) -> bool:
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        used, _detail = self.codes.filter(code_hash=recovery_code_hash(str(token or ""))).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


def recovery_code_hash(code: str) -> str:
    """The stored form of a recovery code: typed with spaces, dashes or capitals, it is the same code."""
    typed = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("balagh.recovery-code", typed, algorithm="sha256").hexdigest()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(_("code (hashed)"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")


# Staff accounts and groups are Django's own models: their versions live in this app's tables.
# No version keeps the password's hash (a history of hashes helps only an attacker).
register(User, app="municipality", records_class=ConfigHistory, excluded_fields=["password", "last_login"])
register(Group, app="municipality", records_class=ConfigHistory)
