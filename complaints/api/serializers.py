"""Shapes of the mobile-app API: what comes in and what goes out.

Input serializers only check types and presence; the rules of a valid report
live in ``complaints.services.validate_submission`` (shared with the web form).
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.files import public_photo_url
from complaints.models import Attachment, Category, Complaint, Event
from complaints.selectors import category_by_code
from complaints.services import citizen_can_rate, citizen_can_reopen

# --------------------------------------------------------------------------- categories


class SubTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language (Accept-Language).")

    class Meta:
        model = Category
        fields = ["code", "name", "name_ar", "name_en", "needs_photo", "allow_anonymous", "icon"]
        read_only_fields = fields


class MainTypeSerializer(SubTypeSerializer):
    sub_types = SubTypeSerializer(many=True, read_only=True, source="subtypes")

    class Meta(SubTypeSerializer.Meta):
        fields = [*SubTypeSerializer.Meta.fields, "sub_types"]
        read_only_fields = fields


# --------------------------------------------------------------------------- submission


class ShallowCopiedFields:
    """Each instance gets a shallow copy of the declared fields instead of DRF's deep copy.

    DRF deep-copies a serializer's fields for every instance by running each field's ``__init__``
    again: a twentieth of a submission's CPU. These fields keep nothing per request but what
    ``bind()`` sets on the copy (name, parent, source), so a plain copy of each is enough.
    """

    _declared_fields: dict[str, serializers.Field]

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}})
class PhotosField(serializers.Field):
    """Uploaded files, handed as they are to the service (which checks and cleans them)."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            files = dictionary.getlist(self.field_name)
            return files if files else serializers.empty
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data):
        items = data if isinstance(data, (list, tuple)) else [data]
        items = [item for item in items if item not in ("", None)]
        if any(not hasattr(item, "read") for item in items):
            raise serializers.ValidationError(_("Send photos as files in a multipart/form-data request."))
        return items

    def to_representation(self, value):  # pragma: no cover - write only
        return None


class ComplaintCreateSerializer(ShallowCopiedFields, serializers.Serializer):
    """A citizen's report from the app. ``category`` is a sub-type code from ``/api/v1/categories/``."""

    category = serializers.CharField(max_length=60, help_text="Sub-type code, e.g. `roads-potholes`.")
    description = serializers.CharField(allow_blank=True, trim_whitespace=True, help_text="At least 10 characters.")
    lat = serializers.FloatField(help_text="Latitude of the problem (WGS84).")
    lon = serializers.FloatField(help_text="Longitude of the problem (WGS84).")
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    reporter_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="Saudi mobile number in any common form (05…, 9665…, +9665…); required unless the sub-type allows anonymous reports.",
    )
    reporter_email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        default="",
        help_text="The app's own id for this report. Retrying with the same id, mobile and text returns the same report "
        "(200) instead of a new one; the same id with other content is refused (409).",
    )
    photos = PhotosField(
        required=False,
        default=list,
        help_text="Up to `BALAGH_MAX_PHOTOS` photos (4 by default; multipart/form-data only, repeat the `photos` field).",
    )

    def validate_category(self, value: str) -> Category:
        code = value.strip()
        category = category_by_code(code)
        if category is None:
            raise serializers.ValidationError(
                _("Unknown report type “%(code)s”. Use a code from the categories list.") % {"code": code}
            )
        return category


class ComplaintCreateJSONSerializer(ComplaintCreateSerializer):
    """The same fields without photos (photos need multipart/form-data)."""

    photos = None  # type: ignore[assignment]  # DRF's way to drop a declared field; the stubs only allow a Field


class ComplaintCreatedSerializer(ShallowCopiedFields, serializers.Serializer):
    tracking_number = serializers.CharField()
    token = serializers.CharField(help_text="Secret token of the public tracking page.")
    status = serializers.CharField()
    status_display = serializers.CharField()
    tracking_url = serializers.URLField()


# --------------------------------------------------------------------------- tracking


class CategoryRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name"]


class PublicEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    text = serializers.CharField(source="display_text", help_text="In the request's language (Accept-Language).")
    status = serializers.CharField(source="to_status", help_text="The status after this event, or empty.")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Event
        fields = ["kind", "kind_display", "text", "status", "at"]


class PublicPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["url", "kind"]

    def get_url(self, attachment: Attachment) -> str:
        request = self.context.get("request")
        url = public_photo_url(attachment)  # signed, expires: the file is not public
        return request.build_absolute_uri(url) if request is not None else url


class TrackSerializer(serializers.ModelSerializer):
    """What a citizen may see of their report: never staff names or internal notes."""

    status_display = serializers.CharField(source="get_status_display")
    closure_reason_display = serializers.CharField(source="get_closure_reason_display")
    category = CategoryRefSerializer(allow_null=True, help_text="Empty while the report waits in triage.")
    main_category = CategoryRefSerializer(allow_null=True, help_text="The main type the sub-type belongs to.")
    timeline = PublicEventSerializer(many=True, source="public_events")
    photos = PublicPhotoSerializer(many=True, source="public_photos")
    can_rate = serializers.SerializerMethodField()
    can_reopen = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "tracking_number",
            "status",
            "status_display",
            "closure_reason",
            "closure_reason_display",
            "category",
            "main_category",
            "created_at",
            "resolution_due_at",
            "resolved_at",
            "closed_at",
            "rating",
            "can_rate",
            "can_reopen",
            "timeline",
            "photos",
        ]
        read_only_fields = fields
        extra_kwargs = {"resolution_due_at": {"help_text": "When the municipality expects to have fixed it."}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_rate(self, complaint: Complaint) -> bool:
        return citizen_can_rate(complaint)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_reopen(self, complaint: Complaint) -> bool:
        return citizen_can_reopen(complaint)


class TrackQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The mobile number given with the report.")


class RateSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The mobile number given with the report.")
    rating = serializers.IntegerField(help_text="1 (bad) to 5 (excellent).")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReopenSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The mobile number given with the report.")
    reason = serializers.CharField(max_length=2000, help_text="Why the problem is not fixed.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
