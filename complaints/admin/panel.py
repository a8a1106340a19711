"""The workflow panel of a report's page: one form per action, carried out by ``services.complaint_act``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints import admin_forms as forms_
from complaints.access import CATEGORY, NOTE, PRIORITY, TRIAGE
from complaints.workflow import Action, TransitionError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class WorkflowAction:
    """How an action appears on the report's page; which service runs it is ``services.STAFF_ACTIONS``."""

    label: StrOrPromise
    form: type
    done: StrOrPromise  # success message, with %(number)s
    danger: bool = False


WORKFLOW: dict[str, WorkflowAction] = {
    Action.START: WorkflowAction(Action.START.label, forms_.NoteOnlyForm, _("Work on %(number)s has started.")),
    Action.HOLD: WorkflowAction(Action.HOLD.label, forms_.HoldForm, _("%(number)s is on hold; its clock is paused.")),
    Action.RESUME: WorkflowAction(Action.RESUME.label, forms_.NoteOnlyForm, _("Work on %(number)s has resumed.")),
    Action.RESOLVE: WorkflowAction(
        Action.RESOLVE.label, forms_.ResolveForm, _("%(number)s is resolved; the citizen has been asked to confirm.")
    ),
    Action.CLOSE: WorkflowAction(Action.CLOSE.label, forms_.CloseForm, _("%(number)s is closed."), danger=True),
    Action.REOPEN: WorkflowAction(Action.REOPEN.label, forms_.ReasonForm, _("%(number)s is reopened.")),
    Action.TRANSFER: WorkflowAction(Action.TRANSFER.label, forms_.TransferForm, _("%(number)s was transferred.")),
    Action.REFER: WorkflowAction(Action.REFER.label, forms_.ReferForm, _("%(number)s was referred to the utility.")),
    Action.RETURN: WorkflowAction(Action.RETURN.label, forms_.ReasonForm, _("%(number)s was sent back to the municipality.")),
    Action.ASSIGN: WorkflowAction(Action.ASSIGN.label, forms_.AssignForm, _("%(number)s was assigned.")),
    NOTE: WorkflowAction(_("Add a note or a public update"), forms_.NoteForm, _("The note was added to %(number)s.")),
    PRIORITY: WorkflowAction(_("Change the priority"), forms_.PriorityForm, _("The priority of %(number)s was updated.")),
    TRIAGE: WorkflowAction(
        _("Complete type and location"), forms_.TriageForm, _("%(number)s has its type and location; it was routed.")
    ),
    CATEGORY: WorkflowAction(_("Correct the type"), forms_.CategoryForm, _("The type of %(number)s was corrected.")),
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
