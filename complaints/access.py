"""Who may see and change which report. One place, used by the admin, the API and the services."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from municipality.models import Role


def profile_of(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "staff_profile", None)


def role_of(user) -> str | None:
    if user is not None and getattr(user, "is_superuser", False):
        return Role.ADMIN
    profile = profile_of(user)
    return profile.role if profile else None


READ_ALL_ROLES = {Role.ADMIN, Role.COMMITTEE, Role.MAYOR, Role.AGENT}
WORK_ROLES = {Role.OFFICER, Role.HEAD}

# Who may open which staff page: the pages check these, the staff header links by them.
#: The weekly report covers the whole municipality.
WEEKLY_REPORT_ROLES = {Role.COMMITTEE, Role.MAYOR, Role.ADMIN}
#: "Compile this week now": the committee prepares, the mayor reads.
WEEKLY_COMPILE_ROLES = {Role.COMMITTEE, Role.ADMIN}
#: The dashboard and the overdue list; a head sees their own department.
DASHBOARD_ROLES = WEEKLY_REPORT_ROLES | {Role.HEAD}
#: The Joint Operations board (open referrals to the utilities).
JOINT_OPERATIONS_ROLES = {Role.COMMITTEE, Role.HEAD, Role.ADMIN}
#: Who lands on the dashboard after signing in (their work is the figures, not a queue).
DASHBOARD_LANDING_ROLES = {Role.COMMITTEE, Role.MAYOR}


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
    from complaints.models import Complaint

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
        # Agents sort the triage queue and fix what has not been started yet.
        return complaint.status in ("new", "assigned")
    return False


def can_file(user) -> bool:
    return role_of(user) in {Role.ADMIN, Role.AGENT, Role.OFFICER, Role.HEAD}
