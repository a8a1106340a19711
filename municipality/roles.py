"""Who a user is in the organisation: their staff profile and role (superusers count as administrators).

The policy built on it (who sees and may do what with a report) is ``complaints.access``.
"""

from __future__ import annotations

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


#: Who lands on the committee dashboard, not the admin index, after signing in: their work is the figures.
DASHBOARD_LANDING_ROLES = frozenset({Role.COMMITTEE, Role.MAYOR})


def is_admin_role(user) -> bool:
    """Superusers and staff with the administrator role."""
    return role_of(user) == Role.ADMIN
