"""The officials' admin: reports scoped by role, worked only through the services.

Who sees what, and what each role may do on a report, come from ``complaints.access``; every
change goes through ``complaints.services``. One module per section:

- ``reports``: the report admin itself (scope, permissions, the add and change pages);
- ``panel``: the workflow panel of the report's page (one form per action);
- ``bulk``: the bulk actions of the list, generated from ``complaints.workflow.BULK_ACTIONS``;
- ``columns``, ``filters``, ``search``: the list's columns, its filters and its search box;
- ``export``: the list's CSV download;
- ``categories``: the categories and the log of reads of reporters' numbers (administrators).
"""

from complaints.admin.categories import CategoryAdmin, ContactReadAdmin
from complaints.admin.reports import ComplaintAdmin

__all__ = ["CategoryAdmin", "ComplaintAdmin", "ContactReadAdmin"]
