"""Who changed the configuration, what and when (django-simple-history).

Routing rules, SLA targets and escalation steps, categories (their targets), departments,
utilities, the working week and holidays, staff users, their roles and groups keep a version per
save, with the staff member who saved it (``HistoryRequestMiddleware``). Administrators read it
on each object's "History" page (``municipality.history_admin``); nobody else can.

Saves that touch only bookkeeping fields (``last_login`` at each sign-in, ``updated_at``) add
no version. Bulk ``update()`` calls bypass ``save()`` and so the history: configuration is
edited through the admin, one object at a time.
"""

from __future__ import annotations

from simple_history.models import HistoricalRecords


class ConfigHistory(HistoricalRecords):
    """``HistoricalRecords`` that skips a save of excluded fields only (a sign-in's ``last_login``)."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)
