"""The report list's bulk actions, generated from ``complaints.workflow.BULK_ACTIONS``.

Each is ``bulk_<action>``: it asks for what the action needs (its form) on an intermediate page,
then runs ``services.complaint_act`` on every selected report the user may work, one transaction
per report, and says what succeeded and why the others did not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from complaints import access, services
from complaints import admin_forms as forms_
from complaints.access import role_may
from complaints.admin.columns import isolate
from complaints.admin.panel import run_service
from complaints.workflow import BULK_ACTIONS, Action

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class BulkAction:
    """How one bulk action appears in the list; what it does is the action's service."""

    description: StrOrPromise  # in the list's "Action" menu
    done: Callable[[int], str]  # success message for n reports, with %(count)d
    form: type[forms.Form] | None = None  # what it asks first, on an intermediate page
    title: StrOrPromise = ""  # that page's title


BULK: dict[str, BulkAction] = {
    Action.START: BulkAction(
        _("Start work on the selected reports"),
        lambda n: ngettext("Work started on %(count)d report.", "Work started on %(count)d reports.", n),
    ),
    Action.HOLD: BulkAction(
        _("Put the selected reports on hold…"),
        lambda n: ngettext("%(count)d report is on hold.", "%(count)d reports are on hold.", n),
        forms_.BulkHoldForm,
        _("Put reports on hold"),
    ),
    Action.CLOSE: BulkAction(
        _("Close the selected reports as not valid or duplicate…"),
        lambda n: ngettext("%(count)d report was closed.", "%(count)d reports were closed.", n),
        forms_.BulkCloseForm,
        _("Close reports"),
    ),
    Action.TRANSFER: BulkAction(
        _("Transfer the selected reports to another department…"),
        lambda n: ngettext("%(count)d report was transferred.", "%(count)d reports were transferred.", n),
        forms_.BulkTransferForm,
        _("Transfer reports to another department"),
    ),
}


def action_name(action: str) -> str:
    return f"bulk_{action}"


def _bulk_action(action: str) -> Callable:
    spec = BULK[action]
    name = action_name(action)

    def run(model_admin, request, queryset):
        if spec.form is None:
            model_admin.bulk_run(request, queryset, action, {}, spec.done)
            return None
        form = spec.form(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            model_admin.bulk_run(request, queryset, action, form.cleaned_data, spec.done)
            return None
        return model_admin.bulk_form_page(request, queryset, action_name=name, form=form, title=spec.title)

    run.__name__ = run.__qualname__ = name
    return admin.action(description=spec.description, permissions=["work"])(run)


#: What the report admin lists in ``actions``.
ACTION_NAMES = [action_name(action) for action in BULK_ACTIONS]


class BulkActionsMixin:
    """Adds ``bulk_<action>`` for every action of ``BULK_ACTIONS``, offered only to roles that may take it."""

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        for action in BULK_ACTIONS:
            if action_name(action) in actions and not role_may(request.user, action):
                del actions[action_name(action)]
        return actions

    def bulk_run(self, request, queryset, action: str, fields: Mapping[str, Any], done: Callable[[int], str]) -> None:
        succeeded, failures = 0, []
        for complaint in queryset.order_by("pk").iterator(chunk_size=200):
            if not access.can_work(request.user, complaint) or not role_may(request.user, action):
                failures.append((complaint.tracking_number, gettext("You may not change this report.")))
                continue
            error = run_service(
                lambda c=complaint: services.complaint_act(complaint=c, actor=request.user, action=action, fields=fields)
            )
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

    def bulk_form_page(self, request, queryset, *, action_name: str, form, title: StrOrPromise):
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": title,
            "opts": self.opts,  # type: ignore[attr-defined]
            "form": form,
            "queryset": queryset,
            "action_name": action_name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/complaints/complaint/bulk_action.html", context)


for _action in BULK_ACTIONS:
    setattr(BulkActionsMixin, action_name(_action), _bulk_action(_action))
