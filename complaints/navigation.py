"""Where a member of staff may go: the links of the staff header and their landing page.

Built from the role sets in ``complaints.access`` (the same ones the pages check), so a link
is shown exactly when the page behind it opens. Pages of the apps above this one are named by
URL name, not imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints import access
from municipality.models import Role


@dataclass(frozen=True)
class StaffLink:
    key: str
    label: str
    url: str


#: (key, label, URL name, roles that may open it; None: every member of staff)
_LINKS = [
    ("queue", _("My queue"), "admin:complaints_complaint_changelist", None),
    ("dashboard", _("Dashboard"), "reports:dashboard", access.DASHBOARD_ROLES),
    ("overdue", _("Overdue reports"), "reports:overdue", access.DASHBOARD_ROLES),
    ("weekly", _("Weekly reports"), "reports:weekly_archive", access.WEEKLY_REPORT_ROLES),
    ("joint", _("Joint Operations"), "routing:joint_operations", access.BOARD_ROLES),
    ("admin", pgettext_lazy("link to the admin", "Administration"), "admin:index", {Role.ADMIN}),
]
#: Read-only roles: their list of reports is all of them, not a queue of their own.
_ALL_REPORTS_ROLES = {Role.COMMITTEE, Role.MAYOR}


def staff_links(user) -> list[StaffLink]:
    role = access.role_of(user)
    if role is None:
        return []
    links = []
    for key, label, name, roles in _LINKS:
        if roles is not None and role not in roles:
            continue
        if key == "queue" and role in _ALL_REPORTS_ROLES:
            label = _("All reports")
        links.append(StaffLink(key=key, label=str(label), url=reverse(name)))
    if getattr(user, "is_verified", lambda: False)():  # signed in with a second factor: may renew its recovery codes
        links.append(StaffLink(key="recovery", label=str(_("Recovery codes")), url=reverse("two_factor:recovery_codes")))
    return links


def staff_home_url(user) -> str:
    """The committee and the mayor start on the dashboard; everybody else on their queue in the admin."""
    role = access.role_of(user)
    if role in access.DASHBOARD_LANDING_ROLES:
        return reverse("reports:dashboard")
    if role is None:
        return reverse("citizen:start")
    return reverse("admin:index")


def staff_navigation(request) -> dict:
    """Context processor: ``staff_nav`` (name, role, links, home) for a signed-in member of staff."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    role = access.role_of(user)
    return {
        "staff_nav": {
            "name": user.get_full_name() or user.get_username(),
            "role": Role(role).label if role else "",
            "links": staff_links(user),
            "home": staff_home_url(user),
        }
    }
