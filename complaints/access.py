"""Who may see and do what with a report: the role sets and the role × action policy, in one place.

Used by the admin, the API, the committee pages, the routing pages and the services. Who a
user is (profile, role) comes from ``municipality.roles``; what each role may do is here.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES, Action, Status, allowed_actions
from municipality.models import Role
from municipality.roles import DASHBOARD_LANDING_ROLES, is_admin_role, profile_of, role_of

__all__ = ["DASHBOARD_LANDING_ROLES", "is_admin_role", "profile_of", "role_of"]  # re-exported: callers ask this module

# --------------------------------------------------------------------------- role sets

#: See every report (read-only for the committee and the mayor).
READ_ALL_ROLES = frozenset({Role.ADMIN, Role.COMMITTEE, Role.MAYOR, Role.AGENT})
#: Work their own department's reports.
WORK_ROLES = frozenset({Role.OFFICER, Role.HEAD})
#: File a report for a caller.
FILE_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.OFFICER, Role.HEAD})
#: See the reporter's name, mobile and e-mail (they call the citizen back).
CONTACT_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.OFFICER, Role.HEAD})
#: The committee's dashboard and downloads (a head sees their own department's figures).
DASHBOARD_ROLES = frozenset({Role.COMMITTEE, Role.MAYOR, Role.ADMIN, Role.HEAD})
#: The weekly report: the whole municipality.
WEEKLY_REPORT_ROLES = frozenset({Role.COMMITTEE, Role.MAYOR, Role.ADMIN})
#: The Joint Operations board (open referrals per utility).
BOARD_ROLES = frozenset({Role.COMMITTEE, Role.HEAD, Role.ADMIN})
#: "Compile this week now": the committee prepares the weekly report, the mayor reads it.
WEEKLY_COMPILE_ROLES = frozenset({Role.COMMITTEE, Role.ADMIN})
#: Who a report can be assigned to within a department.
ASSIGNEE_ROLES = frozenset({Role.OFFICER, Role.HEAD})

# --------------------------------------------------------------------------- role × action

NOTE, PRIORITY, CATEGORY, TRIAGE = "note", "priority", "category", "triage"
EXTRA_ACTIONS = (NOTE, PRIORITY, CATEGORY, TRIAGE)

_DEPARTMENT_ACTIONS = frozenset(
    [
        Action.ASSIGN,
        Action.TRANSFER,
        Action.REFER,
        Action.START,
        Action.HOLD,
        Action.RESUME,
        Action.RESOLVE,
        Action.CLOSE,
        Action.REOPEN,
        NOTE,
        PRIORITY,
        CATEGORY,
    ]
)
ROLE_ACTIONS: dict[str | None, frozenset[str]] = {
    Role.ADMIN: frozenset([*Action.values, *EXTRA_ACTIONS]),
    Role.OFFICER: _DEPARTMENT_ACTIONS,
    Role.HEAD: _DEPARTMENT_ACTIONS,
    Role.LIAISON: frozenset([Action.START, Action.HOLD, Action.RESUME, Action.RESOLVE, Action.RETURN, NOTE]),
    Role.AGENT: frozenset([Action.ASSIGN, Action.CLOSE, NOTE, PRIORITY, CATEGORY, TRIAGE]),
    Role.COMMITTEE: frozenset(),
    Role.MAYOR: frozenset(),
}
#: Agents sort the triage queue and fix what has not been started yet.
AGENT_STATUSES = frozenset({Status.NEW, Status.ASSIGNED})


def role_may(user, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role_of(user), frozenset())


def works_reports(user) -> bool:
    """Roles with any workflow action (the admin's bulk actions, its change permission)."""
    return bool(ROLE_ACTIONS.get(role_of(user)))


def may_see_contact(user) -> bool:
    return role_of(user) in CONTACT_ROLES


def visibility_q(user) -> Q | None:
    """A filter for the reports ``user`` may see; ``None`` means all of them."""
    role = role_of(user)
    if role in READ_ALL_ROLES:
        return None
    profile = profile_of(user)
    if role in WORK_ROLES and profile.department_id:
        # Their own department's reports, and (read-only) what they referred to a utility.
        return Q(department_id=profile.department_id)
    if role == Role.LIAISON and profile.utility_id:
        return Q(utility_id=profile.utility_id)
    return Q(pk__in=[])


def visible_complaints(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = Complaint.objects.all() if queryset is None else queryset
    q = visibility_q(user)
    return qs if q is None else qs.filter(q)


def can_view(user, complaint) -> bool:
    q = visibility_q(user)
    if q is None:
        return role_of(user) is not None
    return visible_complaints(user).filter(pk=complaint.pk).exists()


def can_work(user, complaint) -> bool:
    """May ``user`` change ``complaint`` (workflow actions, notes)?"""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    profile = profile_of(user)
    if role in WORK_ROLES:
        return complaint.utility_id is None and complaint.department_id == profile.department_id
    if role == Role.LIAISON:
        return complaint.utility_id is not None and complaint.utility_id == profile.utility_id
    if role == Role.AGENT:
        return complaint.status in AGENT_STATUSES
    return False


def can_file(user) -> bool:
    return role_of(user) in FILE_ROLES


def actions_for(user, complaint) -> list[str]:
    """The workflow actions ``user`` may take on ``complaint`` right now, in display order."""
    if not can_work(user, complaint):
        return []
    possible = list(allowed_actions(complaint.status))
    if complaint.status == Status.NEW and complaint.needs_triage:
        # Type and pin first: routing, transfers and the clock wait for them. It may still be closed (spam, duplicate).
        possible = [TRIAGE, *(action for action in possible if action == Action.CLOSE)]
    elif complaint.status in OPEN_STATUSES:
        possible += [PRIORITY, CATEGORY]
    possible.append(NOTE)
    role = role_of(user)
    allowed = ROLE_ACTIONS.get(role, frozenset())
    result = []
    for action in possible:
        if action not in allowed:
            continue
        if action == Action.RETURN and complaint.utility_id is None:
            continue
        if action in (Action.REFER, Action.TRANSFER) and complaint.utility_id is not None and role != Role.ADMIN:
            continue
        result.append(action)
    return result
