"""The report list's CSV download: what the list shows (its filters and search), in the reader's language."""

from __future__ import annotations

from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext

from complaints import services
from complaints.access import may_see_contact
from complaints.exports import csv_response
from complaints.phones import mask_phone
from municipality.times import local_minute


class ExportMixin:
    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup):
            return HttpResponseBadRequest(gettext("Unknown filter."))
        queryset = changelist.get_queryset(request)
        if may_see_contact(request.user):
            services.contact_reads_record_export(queryset=queryset, user=request.user)
        rows = csv_rows(queryset, with_contact=may_see_contact(request.user))
        return csv_response(rows, f"balagh-reports-{timezone.localtime():%Y%m%d-%H%M}")


def csv_rows(queryset, *, with_contact: bool):
    """The admin's export: a header, then one row per report, reading the database in chunks."""
    header = [
        gettext("tracking number"),
        gettext("received"),
        gettext("status"),
        gettext("priority"),
        gettext("main type"),
        gettext("type"),
        gettext("department"),
        gettext("utility"),
        gettext("district"),
        gettext("channel"),
        gettext("address"),
        gettext("latitude"),
        gettext("longitude"),
        gettext("resolution due"),
        gettext("resolved at"),
        gettext("closed at"),
        gettext("closure reason"),
        gettext("escalation level"),
        gettext("rating"),
    ]
    if with_contact:
        header += [gettext("reporter name"), gettext("reporter mobile"), gettext("reporter e-mail")]
    else:
        header += [gettext("reporter mobile")]
    yield header

    for c in queryset.iterator(chunk_size=2000):
        row = [
            c.tracking_number,
            local_minute(c.created_at),
            c.get_status_display(),
            c.get_priority_display(),
            c.main_category.name if c.category_id else "",
            c.category.name if c.category_id else "",
            c.department.name if c.department_id else "",
            c.utility.name if c.utility_id else "",
            c.district.name if c.district_id else "",
            c.get_channel_display(),
            c.address,
            "" if c.lat is None else c.lat,
            "" if c.lon is None else c.lon,
            local_minute(c.resolution_due_at),
            local_minute(c.resolved_at),
            local_minute(c.closed_at),
            c.get_closure_reason_display(),
            c.escalation_level,
            c.rating or "",
        ]
        if with_contact:
            row += [c.reporter_name, c.reporter_phone, c.reporter_email]
        else:  # enough to recognise a number a caller reads out, not to call it
            row += [mask_phone(c.reporter_phone)]
        yield row
