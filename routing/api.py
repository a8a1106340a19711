"""``GET /api/v1/complaints/nearby/?category=…&lat=…&lon=…``: open reports of the same type close by.

The citizen form calls it before submitting so the citizen can follow an
existing report instead of filing the same problem again. Only what is needed to
recognise the problem is returned: no descriptions (citizens write phone numbers
in them), no tracking numbers, no names or phones. Following confirms the mobile
with a one-time code first (routing.duplicates.complaint_follow_request).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from complaints.api.serializers import ErrorSerializer
from complaints.api.views import CitizenAPIView
from complaints.models import Category, Complaint
from complaints.phones import normalize_phone
from complaints.workflow import TransitionError
from municipality.client_ip import client_ip
from notifications.verification import phone_code_allowed
from routing.duplicates import complaint_follow_confirm, complaint_follow_request
from routing.selectors import nearby_open_complaints
from routing.tokens import complaint_id_from_follow_token, follow_token


class NearbyQuerySerializer(serializers.Serializer):
    category = serializers.CharField(help_text="Sub-type id or code.")
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)

    def validate_category(self, value):
        qs = Category.objects.filter(active=True)
        category = qs.filter(pk=int(value)).first() if value.isdigit() else qs.filter(code=value).first()
        if category is None:
            raise serializers.ValidationError(_("Unknown type of report."))
        return category


class NearbyComplaintSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="The sub-type's name.")
    status = serializers.CharField()
    status_label = serializers.CharField()
    distance_m = serializers.IntegerField()
    age_days = serializers.IntegerField(help_text="Whole days since it was reported.")
    follow_url = serializers.CharField()
    follow_api_url = serializers.CharField()


class NearbyResponseSerializer(serializers.Serializer):
    radius_m = serializers.IntegerField()
    results = NearbyComplaintSerializer(many=True)


class NearbyComplaintsView(CitizenAPIView):
    @extend_schema(
        summary="Open reports of the same type near a point",
        description="Only what a citizen needs to recognise the same problem: sub-type, distance, status, age "
        "and the link to follow it (no descriptions, no tracking numbers).",
        parameters=[
            OpenApiParameter("category", str, description="Sub-type id or code", required=True),
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses={200: NearbyResponseSerializer},
    )
    def get(self, request):
        query = NearbyQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response(query.errors, status=status.HTTP_400_BAD_REQUEST)
        category, lat, lon = query.validated_data["category"], query.validated_data["lat"], query.validated_data["lon"]
        found = nearby_open_complaints(category=category, lat=lat, lon=lon, limit=5)
        now = timezone.now()
        results = []
        for item in found:
            c = item.complaint
            token = follow_token(c)
            results.append(
                {
                    "category": category.name,
                    "status": c.status,
                    "status_label": str(c.get_status_display()),
                    "distance_m": round(item.distance_m),
                    "age_days": max((now - c.created_at).days, 0),
                    "follow_url": request.build_absolute_uri(reverse("routing:follow", args=[token])),
                    "follow_api_url": request.build_absolute_uri(reverse("api:complaints-follow", args=[token])),
                }
            )
        return Response({"radius_m": category.duplicate_radius_m, "results": results})


class FollowRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    language = serializers.ChoiceField(choices=["ar", "en"], required=False, default="ar")


class FollowConfirmSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=12)


def _followed_complaint(token: str) -> Complaint:
    pk = complaint_id_from_follow_token(token)
    complaint = Complaint.objects.filter(pk=pk).first() if pk else None
    if complaint is None:
        raise NotFound(_("This link is not valid any more."))
    return complaint


class FollowComplaintView(CitizenAPIView):
    """``POST /api/v1/complaints/follow/<token>/`` with a mobile: send it a code to follow a nearby report."""

    @extend_schema(
        summary="Follow an existing report, step 1: send a code to the mobile",
        description="Every valid mobile gets the same answer (202): a one-time code is sent to it by SMS. "
        "Send the code to `confirm_url` with the same mobile. Limited per mobile and per client address (429).",
        request=FollowRequestSerializer,
        responses={
            202: inline_serializer(
                name="FollowCodeSent", fields={"detail": serializers.CharField(), "confirm_url": serializers.CharField()}
            ),
            400: OpenApiResponse(description="Not a mobile number, or the report is closed."),
            429: OpenApiResponse(ErrorSerializer, description="Too many codes asked for."),
        },
    )
    def post(self, request, token: str):
        complaint = _followed_complaint(token)
        body = FollowRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            phone = normalize_phone(body.validated_data["phone"])
        except DjangoValidationError as exc:
            return Response({"phone": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        if not phone_code_allowed(client=client_ip(request), phone=phone):
            return Response(
                {"detail": _("Too many codes were asked for. Try again in an hour.")}, status=status.HTTP_429_TOO_MANY_REQUESTS
            )
        try:
            complaint_follow_request(complaint=complaint, phone=phone, language=body.validated_data["language"])
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "detail": _("A code was sent by SMS to this mobile. Send it back to confirm."),
                "confirm_url": request.build_absolute_uri(reverse("api:complaints-follow-confirm", args=[token])),
            },
            status=status.HTTP_202_ACCEPTED,
        )


class FollowConfirmView(CitizenAPIView):
    """``POST /api/v1/complaints/follow/<token>/confirm/`` with the mobile and the code from the SMS."""

    @extend_schema(
        summary="Follow an existing report, step 2: the code from the SMS",
        request=FollowConfirmSerializer,
        responses={
            200: inline_serializer(
                name="Followed", fields={"tracking_number": serializers.CharField(), "following": serializers.BooleanField()}
            ),
            400: OpenApiResponse(description="Wrong, expired or over-tried code."),
        },
    )
    def post(self, request, token: str):
        complaint = _followed_complaint(token)
        body = FollowConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            complaint_follow_confirm(
                complaint=complaint,
                phone=body.validated_data["phone"],
                code=body.validated_data["code"],
                language=(translation.get_language() or "ar")[:2],
            )
        except DjangoValidationError as exc:
            return Response({"code": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"tracking_number": complaint.tracking_number, "following": True})
