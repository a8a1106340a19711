"""``GET /api/v1/complaints/nearby/?category=…&lat=…&lon=…``: open reports of the same type close by.

The citizen form calls it before submitting so the citizen can follow an
existing report instead of filing the same problem again. Only public facts are
returned (no names, phones or internal notes).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.api.views import CitizenAPIView
from complaints.models import Category
from routing.selectors import nearby_open_complaints
from routing.tokens import follow_token


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
    tracking_number = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    distance_m = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    description = serializers.CharField()
    follow_url = serializers.CharField()
    follow_api_url = serializers.CharField()


class NearbyResponseSerializer(serializers.Serializer):
    radius_m = serializers.IntegerField()
    results = NearbyComplaintSerializer(many=True)


class NearbyComplaintsView(CitizenAPIView):
    @extend_schema(
        summary="Open reports of the same type near a point",
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
        results = []
        for item in found:
            c = item.complaint
            token = follow_token(c)
            description = c.description if len(c.description) <= 140 else c.description[:139] + "…"
            results.append(
                {
                    "tracking_number": c.tracking_number,
                    "category": category.name,
                    "status": c.status,
                    "status_label": str(c.get_status_display()),
                    "distance_m": round(item.distance_m),
                    "created_at": c.created_at,
                    "description": description,
                    "follow_url": request.build_absolute_uri(reverse("routing:follow", args=[token])),
                    "follow_api_url": request.build_absolute_uri(reverse("api:complaints-follow", args=[token])),
                }
            )
        return Response({"radius_m": category.duplicate_radius_m, "results": results})


class FollowRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    language = serializers.ChoiceField(choices=["ar", "en"], required=False, default="ar")


class FollowComplaintView(CitizenAPIView):
    """``POST /api/v1/complaints/follow/<token>/`` with a mobile: follow a nearby report instead of filing it again."""

    @extend_schema(
        summary="Follow an existing report (its updates go to this mobile too)",
        request=FollowRequestSerializer,
        responses={
            201: inline_serializer(
                name="Followed", fields={"tracking_number": serializers.CharField(), "created": serializers.BooleanField()}
            )
        },
    )
    def post(self, request, token: str):
        from django.core.exceptions import ValidationError as DjangoValidationError

        from complaints.models import Complaint
        from complaints.workflow import TransitionError
        from routing.services import complaint_follow
        from routing.tokens import complaint_id_from_follow_token

        pk = complaint_id_from_follow_token(token)
        complaint = Complaint.objects.filter(pk=pk).first() if pk else None
        if complaint is None:
            return Response({"detail": _("This link is not valid any more.")}, status=status.HTTP_404_NOT_FOUND)
        body = FollowRequestSerializer(data=request.data)
        if not body.is_valid():
            return Response(body.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            _follower, created = complaint_follow(
                complaint=complaint, phone=body.validated_data["phone"], language=body.validated_data["language"]
            )
        except DjangoValidationError as exc:
            return Response({"phone": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"tracking_number": complaint.tracking_number, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
