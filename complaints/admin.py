"""The officials' admin: reports scoped by role, worked only through the services.

Who sees what comes from ``complaints.access``; what each role may do on a report
is the small table ``ROLE_ACTIONS`` below, intersected with the state machine.
Every change goes through a function in ``complaints.services``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    QueryDict,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from complaints import access, services
from complaints import admin_forms as forms_
from complaints.access import CATEGORY, NOTE, PRIORITY, TRIAGE, actions_for, may_see_contact, role_may
from complaints.exports import csv_response
from complaints.models import Attachment, Category, Channel, Complaint, ContactRead
from complaints.phones import mask_phone, normalize_phone
from complaints.selectors import clock_state, normalize_tracking_number
from complaints.workflow import OPEN_STATUSES, Action, Status, TransitionError
from municipality.admin import AdminRoleOnlyMixin, OfferedFiltersOnlyMixin, is_admin_role
from municipality.history_admin import ConfigHistoryAdmin
from municipality.models import Role
from municipality.times import local_minute

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class WorkflowAction:
    label: StrOrPromise
    form: type
    run: Callable  # (complaint, user, cleaned_data) -> object
    done: StrOrPromise  # success message, with %(number)s
    danger: bool = False


WORKFLOW: dict[str, WorkflowAction] = {
    Action.START: WorkflowAction(
        Action.START.label,
        forms_.NoteOnlyForm,
        lambda c, u, d: services.complaint_start(complaint=c, actor=u, note=d["note"]),
        _("Work on %(number)s has started."),
    ),
    Action.HOLD: WorkflowAction(
        Action.HOLD.label,
        forms_.HoldForm,
        lambda c, u, d: services.complaint_hold(complaint=c, actor=u, reason=d["reason"]),
        _("%(number)s is on hold; its clock is paused."),
    ),
    Action.RESUME: WorkflowAction(
        Action.RESUME.label,
        forms_.NoteOnlyForm,
        lambda c, u, d: services.complaint_resume(complaint=c, actor=u, note=d["note"]),
        _("Work on %(number)s has resumed."),
    ),
    Action.RESOLVE: WorkflowAction(
        Action.RESOLVE.label,
        forms_.ResolveForm,
        lambda c, u, d: services.complaint_resolve(complaint=c, actor=u, note=d["note"], photo=d.get("photo")),
        _("%(number)s is resolved; the citizen has been asked to confirm."),
    ),
    Action.CLOSE: WorkflowAction(
        Action.CLOSE.label,
        forms_.CloseForm,
        lambda c, u, d: services.complaint_close(complaint=c, actor=u, reason=d["reason"], note=d["note"]),
        _("%(number)s is closed."),
        danger=True,
    ),
    Action.REOPEN: WorkflowAction(
        Action.REOPEN.label,
        forms_.ReasonForm,
        lambda c, u, d: services.complaint_reopen(complaint=c, actor=u, reason=d["reason"]),
        _("%(number)s is reopened."),
    ),
    Action.TRANSFER: WorkflowAction(
        Action.TRANSFER.label,
        forms_.TransferForm,
        lambda c, u, d: services.complaint_transfer(complaint=c, actor=u, department=d["department"], reason=d["reason"]),
        _("%(number)s was transferred."),
    ),
    Action.REFER: WorkflowAction(
        Action.REFER.label,
        forms_.ReferForm,
        lambda c, u, d: services.complaint_refer(complaint=c, actor=u, utility=d["utility"], reason=d["reason"]),
        _("%(number)s was referred to the utility."),
    ),
    Action.RETURN: WorkflowAction(
        Action.RETURN.label,
        forms_.ReasonForm,
        lambda c, u, d: services.complaint_return(complaint=c, actor=u, reason=d["reason"]),
        _("%(number)s was sent back to the municipality."),
    ),
    Action.ASSIGN: WorkflowAction(
        Action.ASSIGN.label,
        forms_.AssignForm,
        lambda c, u, d: services.complaint_assign(
            complaint=c, actor=u, department=d.get("department"), assignee=d.get("assignee")
        ),
        _("%(number)s was assigned."),
    ),
    NOTE: WorkflowAction(
        _("Add a note or a public update"),
        forms_.NoteForm,
        lambda c, u, d: services.complaint_add_note(complaint=c, actor=u, text=d["text"], public=d["public"]),
        _("The note was added to %(number)s."),
    ),
    PRIORITY: WorkflowAction(
        _("Change the priority"),
        forms_.PriorityForm,
        lambda c, u, d: services.complaint_set_priority(complaint=c, actor=u, priority=d["priority"]),
        _("The priority of %(number)s was updated."),
    ),
    TRIAGE: WorkflowAction(
        _("Complete type and location"),
        forms_.TriageForm,
        lambda c, u, d: services.complaint_complete_triage(
            complaint=c, actor=u, category=d["category"], lat=d["lat"], lon=d["lon"], address=d.get("address", "")
        ),
        _("%(number)s has its type and location; it was routed."),
    ),
    CATEGORY: WorkflowAction(
        _("Correct the type"),
        forms_.CategoryForm,
        lambda c, u, d: services.complaint_set_category(complaint=c, actor=u, category=d["category"]),
        _("The type of %(number)s was corrected."),
    ),
}


def run_service(call: Callable) -> str | None:
    """Run one service call atomically; return the refusal's message, or ``None`` on success."""
    try:
        with transaction.atomic():
            call()
    except TransitionError as exc:
        return str(exc)
    except PermissionDenied as exc:
        return str(exc) or gettext("You may not change this report.")
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


# --------------------------------------------------------------------------- list helpers

STATUS_COLOURS: dict[str, str] = {
    Status.NEW: "new",
    Status.ASSIGNED: "assigned",
    Status.IN_PROGRESS: "progress",
    Status.ON_HOLD: "hold",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}
PRIORITY_COLOURS = {"urgent": "urgent", "high": "high", "normal": "normal", "low": "low"}
CAMERA_ICON = mark_safe(
    '<svg class="balagh-icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" '
    'd="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 '
    '5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg> '
)


def isolate(text: str) -> str:
    """Keep a tracking number (``2611-000123``) in one piece inside right-to-left text."""
    return f"\u2066{text}\u2069"


def due_state(complaint: Complaint, now=None) -> str:
    """``overdue`` / ``soon`` (past the at-risk point) / ``ok`` / ``paused`` for an open report; ``""`` otherwise.

    The colours follow the escalation ladder's own at-risk point (sla.clock), so what the
    list shows amber is what the sweep warns about.
    """
    return {"breached": "overdue", "at_risk": "soon", "ok": "ok", "paused": "paused"}.get(clock_state(complaint, now), "")


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """Only the options present in the user's own reports."""


class MainTypeFilter(admin.SimpleListFilter):
    title = _("main type")
    parameter_name = "main_type"

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).values("category__parent_id")
        return [(c.pk, c.name) for c in Category.objects.main_types().filter(pk__in=ids)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(category__parent_id=self.value()) | Q(category_id=self.value()))
        return queryset


class TriageFilter(admin.SimpleListFilter):
    """The triage queue: reports still without a sub-type or a pin."""

    title = _("triage")
    parameter_name = "triage"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting for type or location")), ("no", _("Complete"))]

    def queryset(self, request, queryset):
        waiting = Q(category__isnull=True) | Q(lat__isnull=True) | Q(lon__isnull=True)
        if self.value() == "yes":
            return queryset.filter(waiting)
        if self.value() == "no":
            return queryset.exclude(waiting)
        return queryset


#: ``?due=all``: the whole list, for the roles whose list otherwise opens on open work.
SHOW_ALL = "all"
#: Roles that work reports: their list opens on what is still to do (``?due=open``).
OPEN_WORK_FIRST_ROLES = access.WORK_ROLES | {Role.LIAISON, Role.AGENT}


class DueFilter(admin.SimpleListFilter):
    title = _("resolution clock")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("At risk")), ("open", _("Open")), (SHOW_ALL, _("All, closed too"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(status__in=[Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS])
        if self.value() == "overdue":
            return running.filter(resolution_due_at__lt=now)
        if self.value() == "soon":
            return running.filter(resolution_due_at__gte=now, at_risk_at__lte=now)
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset


# --------------------------------------------------------------------------- the report admin


@admin.register(Complaint)
class ComplaintAdmin(OfferedFiltersOnlyMixin, admin.ModelAdmin):
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
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-created_at",)
    actions = ["bulk_start", "bulk_hold", "bulk_close", "bulk_transfer"]
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

    @admin.display(description=_("type"), ordering="category__parent__code")
    def category_display(self, obj):
        if obj.category_id is None:
            return format_html('<span class="balagh-badge balagh-triage">{}</span>', gettext("To triage"))
        if obj.category.parent_id:
            return format_html('{}<br><small class="balagh-muted">{}</small>', obj.category.name, obj.category.parent.name)
        return obj.category.name

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="balagh-badge balagh-status-{}">{}</span>', STATUS_COLOURS.get(obj.status, ""), obj.get_status_display()
        )

    @admin.display(description=_("priority"), ordering="priority")
    def priority_badge(self, obj):
        return format_html(
            '<span class="balagh-prio balagh-prio-{}">{}</span>',
            PRIORITY_COLOURS.get(obj.priority, ""),
            obj.get_priority_display(),
        )

    @admin.display(description=_("with"))
    def owner_display(self, obj):
        if obj.utility_id:
            return format_html('<span class="balagh-utility">⇄ {}</span>', obj.utility.name)
        return obj.department.name if obj.department_id else "—"

    @admin.display(description=_("received"), ordering="created_at")
    def received_display(self, obj):
        return format_html('<span class="balagh-when" dir="ltr">{}</span>', local_minute(obj.created_at))

    @admin.display(description=_("resolution due"), ordering="resolution_due_at")
    def due_display(self, obj):
        if obj.resolution_due_at is None:
            return "—"
        state = due_state(obj)
        when = format_html('<span dir="ltr">{}</span>', local_minute(obj.resolution_due_at))
        label = {
            "overdue": gettext("Overdue"),
            "soon": gettext("Due soon"),
            "paused": gettext("Paused"),
        }.get(state, "")
        if label:
            return format_html('<span class="balagh-due balagh-due-{}">{}<br><small>{}</small></span>', state, when, label)
        return format_html('<span class="balagh-due balagh-due-{}">{}</span>', state or "none", when)

    @admin.display(description=_("photos"), ordering="photo_count")
    def photos_display(self, obj):
        if not obj.photo_count:
            return ""
        return format_html('<span class="balagh-photos" title="{}">{}{}</span>', gettext("photos"), CAMERA_ICON, obj.photo_count)

    # ------------------------------------------------------------------ search

    def get_search_results(self, request, queryset, search_term):
        """Also find a tracking number or a caller's mobile however it is typed (spaces, Arabic digits, 05…)."""
        before_search = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        number = normalize_tracking_number(term)
        if number and number != term:
            # Typed with spaces, without the dash or in Arabic digits.
            queryset = queryset | before_search.filter(tracking_number=number)
        if term and may_see_contact(request.user):
            try:
                phone = normalize_phone(term)
            except ValidationError:
                phone = None
            if phone:
                queryset = queryset | before_search.filter(reporter_phone=phone)
        return queryset, may_have_duplicates

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
            error = run_service(lambda: spec.run(obj, request.user, form.cleaned_data))
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

    # ------------------------------------------------------------------ bulk actions

    def _bulk(self, request, queryset, action: str, call: Callable, done: Callable[[int], str]) -> None:
        succeeded, failures = 0, []
        for complaint in queryset.order_by("pk").iterator(chunk_size=200):
            if not access.can_work(request.user, complaint) or not role_may(request.user, action):
                failures.append((complaint.tracking_number, gettext("You may not change this report.")))
                continue
            error = run_service(lambda c=complaint: call(c))
            if error is None:
                succeeded += 1
            else:
                failures.append((complaint.tracking_number, error))
        if succeeded:
            messages.success(request, done(succeeded) % {"count": succeeded})
        if failures:
            shown = "; ".join(f"{isolate(number)}: {reason}" for number, reason in failures[:20])
            more = len(failures) - 20
            if more > 0:
                shown += " " + gettext("(and %(count)d more)") % {"count": more}
            messages.error(
                request,
                ngettext(
                    "%(count)d report was not changed: %(list)s", "%(count)d reports were not changed: %(list)s", len(failures)
                )
                % {"count": len(failures), "list": shown},
            )

    def _intermediate(self, request, queryset, *, action_name: str, form, title: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "queryset": queryset,
            "action_name": action_name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/complaints/complaint/bulk_action.html", context)

    @admin.action(description=_("Start work on the selected reports"), permissions=["work"])
    def bulk_start(self, request, queryset):
        self._bulk(
            request,
            queryset,
            Action.START,
            lambda c: services.complaint_start(complaint=c, actor=request.user),
            lambda n: ngettext("Work started on %(count)d report.", "Work started on %(count)d reports.", n),
        )

    @admin.action(description=_("Put the selected reports on hold…"), permissions=["work"])
    def bulk_hold(self, request, queryset):
        form = forms_.BulkHoldForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._bulk(
                request,
                queryset,
                Action.HOLD,
                lambda c: services.complaint_hold(complaint=c, actor=request.user, reason=reason),
                lambda n: ngettext("%(count)d report is on hold.", "%(count)d reports are on hold.", n),
            )
            return None
        return self._intermediate(request, queryset, action_name="bulk_hold", form=form, title=gettext("Put reports on hold"))

    @admin.action(description=_("Close the selected reports as not valid or duplicate…"), permissions=["work"])
    def bulk_close(self, request, queryset):
        form = forms_.BulkCloseForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
            self._bulk(
                request,
                queryset,
                Action.CLOSE,
                lambda c: services.complaint_close(complaint=c, actor=request.user, reason=reason, note=note),
                lambda n: ngettext("%(count)d report was closed.", "%(count)d reports were closed.", n),
            )
            return None
        return self._intermediate(request, queryset, action_name="bulk_close", form=form, title=gettext("Close reports"))

    @admin.action(description=_("Transfer the selected reports to another department…"), permissions=["work"])
    def bulk_transfer(self, request, queryset):
        form = forms_.BulkTransferForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            department, reason = form.cleaned_data["department"], form.cleaned_data["reason"]
            self._bulk(
                request,
                queryset,
                Action.TRANSFER,
                lambda c: services.complaint_transfer(complaint=c, actor=request.user, department=department, reason=reason),
                lambda n: ngettext("%(count)d report was transferred.", "%(count)d reports were transferred.", n),
            )
            return None
        return self._intermediate(
            request, queryset, action_name="bulk_transfer", form=form, title=gettext("Transfer reports to another department")
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        wanted = {
            "bulk_start": Action.START,
            "bulk_hold": Action.HOLD,
            "bulk_close": Action.CLOSE,
            "bulk_transfer": Action.TRANSFER,
        }
        for name, action in wanted.items():
            if name in actions and not role_may(request.user, action):
                del actions[name]
        return actions


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


# --------------------------------------------------------------------------- categories (administrators)


class SubTypeInline(AdminRoleOnlyMixin, admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ("code", "name_ar", "name_en", "default_department", "default_priority", "sort_order", "active")
    verbose_name = _("sub-type")
    verbose_name_plural = _("sub-types")
    show_change_link = True


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("main", _("Main types")), ("sub", _("Sub-types"))]

    def queryset(self, request, queryset):
        if self.value() == "main":
            return queryset.main_types()
        if self.value() == "sub":
            return queryset.sub_types()
        return queryset


class MainTypeOfCategoryFilter(admin.SimpleListFilter):
    title = _("main type")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in Category.objects.main_types()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(parent_id=self.value()) | Q(pk=self.value()))
        return queryset


@admin.register(Category)
class CategoryAdmin(AdminRoleOnlyMixin, ConfigHistoryAdmin):
    list_display = (
        "tree_name",
        "code",
        "default_department",
        "default_priority",
        "response_hours",
        "resolution_hours",
        "needs_photo",
        "allow_anonymous",
        "active",
    )
    list_filter = (CategoryLevelFilter, MainTypeOfCategoryFilter, "active", "needs_photo", "default_department")
    list_select_related = ("parent", "default_department")
    search_fields = ("code", "name_ar", "name_en")
    # The tree: each main type followed by its sub-types.
    ordering = (
        Coalesce("parent__sort_order", "sort_order").asc(),
        Coalesce("parent__code", "code").asc(),
        F("parent").asc(nulls_first=True),
        "sort_order",
        "code",
    )
    fieldsets = (
        (None, {"fields": ("parent", "code", "name_ar", "name_en", "icon", "sort_order", "active")}),
        (_("Routing and clock"), {"fields": ("default_department", "default_priority", "response_hours", "resolution_hours")}),
        (_("What citizens must give"), {"fields": ("needs_photo", "allow_anonymous", "duplicate_radius_m")}),
    )

    def get_inlines(self, request, obj):
        return [SubTypeInline] if obj is not None and obj.parent_id is None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.main_types()  # a tree of two levels
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=pgettext_lazy("field", "name"), ordering="code")
    def tree_name(self, obj):
        if obj.parent_id:
            return format_html('<span class="balagh-muted">{} ›</span> {}', obj.parent.name, obj.name)
        return format_html("<strong>{}</strong>", obj.name)


@admin.register(ContactRead)
class ContactReadAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    """Who was shown which reporter's full number, and when (administrators only, read-only)."""

    list_display = ("at", "user", "complaint", "where")
    list_filter = ("where",)
    list_select_related = ("user", "complaint")
    search_fields = ("complaint__tracking_number", "user__username")
    date_hierarchy = "at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a log its readers could erase would prove nothing
