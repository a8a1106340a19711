"""The report admin: reports scoped by role, worked only through the services.

Who sees what comes from ``complaints.access``; what each role may do on a report is its role ×
action table, intersected with the state machine. Every change goes through ``complaints.services``.
"""

from __future__ import annotations

import copy

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints import access, services
from complaints import admin_forms as forms_
from complaints.access import actions_for, may_see_contact, role_may
from complaints.admin.bulk import ACTION_NAMES, BulkActionsMixin
from complaints.admin.columns import STATUS_COLOURS, ColumnsMixin, due_state, isolate
from complaints.admin.export import ExportMixin
from complaints.admin.filters import OPEN_WORK_FIRST_ROLES, DueFilter, MainTypeFilter, ScopedRelatedFilter, TriageFilter
from complaints.admin.paging import EstimatedCountPaginator
from complaints.admin.panel import WORKFLOW, run_service
from complaints.admin.search import SearchMixin
from complaints.models import Attachment, Channel, Complaint
from complaints.phones import mask_phone
from municipality.admin import OfferedFiltersOnlyMixin, is_admin_role

# --------------------------------------------------------------------------- the report admin


@admin.register(Complaint)
class ComplaintAdmin(ColumnsMixin, SearchMixin, ExportMixin, BulkActionsMixin, OfferedFiltersOnlyMixin, admin.ModelAdmin):
    list_display = (
        "tracking_number",
        "category_display",
        "status_badge",
        "priority_badge",
        "owner_display",
        "district",
        "channel",
        "received_display",
        "due_display",
        "photos_display",
    )
    list_display_links = ("tracking_number",)
    list_filter = (
        "status",
        TriageFilter,
        MainTypeFilter,
        ("category", ScopedRelatedFilter),
        ("department", ScopedRelatedFilter),
        ("utility", ScopedRelatedFilter),
        "priority",
        "channel",
        ("district", ScopedRelatedFilter),
        DueFilter,
    )
    search_fields = ("tracking_number", "description")
    search_help_text = _("Tracking number, the caller's mobile (e.g. 0501234567) or words of the description.")
    # Drilled down by year, month and day; the choices are the calendar's (templatetags/report_admin.py),
    # never a scan of the reports for the dates present.
    date_hierarchy = "created_at"
    list_per_page = 50
    # No count of the whole table, no per-option counts, an estimated count past a size (paging.py).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    ordering = ("-created_at",)
    actions = ACTION_NAMES
    change_form_template = "admin/complaints/complaint/change_form.html"
    change_list_template = "admin/complaints/complaint/change_list.html"

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not request.GET and access.role_of(request.user) in OPEN_WORK_FIRST_ROLES:
            return HttpResponseRedirect(f"{request.path}?{DueFilter.parameter_name}=open")
        return super().changelist_view(request, extra_context)

    # ------------------------------------------------------------------ scope and permissions

    def get_queryset(self, request):
        photos = (
            Attachment.objects.filter(complaint=OuterRef("pk")).order_by().values("complaint").annotate(n=Count("pk")).values("n")
        )
        qs = Complaint.objects.for_list().annotate(photo_count=Coalesce(Subquery(photos, output_field=IntegerField()), Value(0)))
        return access.visible_complaints(request.user, qs)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Outside the user's scope (or gone): the same answer, so nothing leaks.
            raise Http404(gettext("No such report."))
        return obj

    def has_module_permission(self, request):
        return access.role_of(request.user) is not None

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.role_of(request.user) is not None
        return access.can_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return access.works_reports(request.user)
        return access.can_view(request.user, obj) and access.can_work(request.user, obj)

    def has_add_permission(self, request):
        return access.can_file(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin_role(request.user)

    def has_work_permission(self, request):
        """Bulk workflow actions: roles that work reports."""
        return access.works_reports(request.user)

    # ------------------------------------------------------------------ list columns

    # ------------------------------------------------------------------ search

    # ------------------------------------------------------------------ add page: filing for a caller

    add_fieldsets = (
        (_("The problem"), {"fields": ("category", "description")}),
        (_("Where"), {"fields": ("lat", "lon", "address"), "classes": ("balagh-location",)}),
        (_("The caller"), {"fields": ("reporter_name", "reporter_phone", "reporter_email")}),
        (_("Intake"), {"fields": ("channel", "priority", "photos")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return ()

    def get_readonly_fields(self, request, obj=None):
        return ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = forms_.AgentReportForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("channel", "phone_940")
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return  # the fields are read-only; changes go through the workflow actions
        created = services.complaint_submit(submission=form.submission, actor=request.user, photos_cleaned=True)
        for name, value in created.__dict__.items():
            if name != "_state":
                obj.__dict__[name] = value
        obj._state.adding = False
        obj._state.db = created._state.db

    def response_add(self, request, obj, post_url_continue=None):
        owner = obj.utility or obj.department
        if owner is not None:
            message = gettext("Report %(number)s was filed and sent to %(owner)s.") % {
                "number": isolate(obj.tracking_number),
                "owner": owner.name,
            }
        else:
            message = gettext("Report %(number)s was filed and waits in the triage queue.") % {
                "number": isolate(obj.tracking_number)
            }
        messages.success(request, message)
        if "_addanother" in request.POST:
            return HttpResponseRedirect(request.path)
        if access.can_view(request.user, obj):
            return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))

    # ------------------------------------------------------------------ change page

    def add_view(self, request, form_url="", extra_context=None):
        context = {"show_save_and_continue": False, **(extra_context or {})}
        return super().add_view(request, form_url, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and request.method == "POST":
            # Nothing on the page is edited directly; the workflow panel posts elsewhere.
            self.get_object(request, unquote(object_id))
            return HttpResponseNotAllowed(["GET"])
        return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        context = self.change_page_context(request, obj, bound=(extra_context or {}).get("bound_action"))
        context.update(extra_context or {})
        if context["show_contact"]:
            services.contact_read_record(complaint=obj, user=request.user)
        return super().change_view(request, object_id, form_url, context)

    def change_page_context(self, request, obj: Complaint, bound: tuple | None = None) -> dict:
        user = request.user
        available = actions_for(user, obj)
        if bound and bound[0] not in available:
            available.insert(0, bound[0])  # a refused action keeps its form and what was typed
        panels = []
        for name in available:
            spec = WORKFLOW[name]
            if bound and bound[0] == name:
                form = bound[1]
            else:
                form = spec.form(complaint=obj, user=user)
            panels.append(
                {
                    "name": name,
                    "label": spec.label,
                    "form": form,
                    "danger": spec.danger,
                    "url": reverse("admin:complaints_complaint_workflow", args=[obj.pk, name]),
                    "open": bool(bound and bound[0] == name),
                }
            )
        events = list(obj.events.select_related("actor").order_by("created_at", "pk"))
        for event in events:  # which channel a message came in on, in the reader's language
            code = event.data.get("channel") if isinstance(event.data, dict) else None
            setattr(event, "channel_label", Channel(code).label if code in Channel.values else "")  # noqa: B010
        incoming = list(obj.incoming.all()) if may_see_contact(user) else []
        photos = list(obj.attachments.order_by("created_at"))
        return {
            "title": gettext("Report %(number)s") % {"number": isolate(obj.tracking_number)},
            "complaint": obj,
            "events": events,
            "photos_before": [p for p in photos if p.kind == Attachment.Kind.BEFORE],
            "photos_after": [p for p in photos if p.kind == Attachment.Kind.AFTER],
            "show_contact": may_see_contact(user),
            "masked_phone": mask_phone(obj.reporter_phone),
            "workflow_panels": panels,
            "may_work": access.can_work(user, obj),
            "due_state": due_state(obj),
            "status_class": STATUS_COLOURS.get(obj.status, ""),
            "complaint_point": {"lat": obj.lat, "lon": obj.lon, "label": obj.tracking_number} if obj.has_pin else None,
            "incoming": incoming,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_save_as_new": False,
        }

    def get_urls(self):
        urls = super().get_urls()
        info = self.opts.app_label, self.opts.model_name
        mine = [
            path("export/", self.admin_site.admin_view(self.export_view), name="{}_{}_export".format(*info)),
            path(
                "<path:object_id>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="{}_{}_workflow".format(*info),
            ),
        ]
        return mine + urls

    def workflow_view(self, request, object_id, action):
        """POST one workflow action for one report; back to the page with a message."""
        obj = self.get_object(request, unquote(object_id))
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in WORKFLOW:
            raise Http404
        if not access.can_work(request.user, obj) or not role_may(request.user, action):
            raise PermissionDenied
        spec = WORKFLOW[action]
        form = spec.form(request.POST, request.FILES, complaint=obj, user=request.user)
        if form.is_valid():
            error = run_service(
                lambda: services.complaint_act(complaint=obj, actor=request.user, action=action, fields=form.cleaned_data)
            )
            if error is None:
                messages.success(request, spec.done % {"number": isolate(obj.tracking_number)})
                return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[obj.pk]))
            messages.error(request, error)
        else:
            messages.error(request, gettext("Please correct the errors below."))
        # Show the page again with what was typed.
        get_request = copy.copy(request)
        get_request.method = "GET"
        get_request.POST = QueryDict()
        response = self.change_view(get_request, object_id, extra_context={"bound_action": (action, form)})
        response.status_code = 400 if not form.is_valid() else 409
        return response

    # ------------------------------------------------------------------ export
