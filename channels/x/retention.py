"""PDPL retention of the X channel's own log, plugged into ``complaints.hooks.retention_erasers``.

An answer on X keeps the id of the citizen's mention (``tweet_id``) and of our public reply to it
(``reply_id``): either opens the citizen's account on x.com. When the report is anonymised both
go; the answer's text (the tracking number only), status, attempts and times stay. The author's
handle and id were kept on the report's incoming message, which the report's own retention blanks.
"""

from __future__ import annotations

from django.db.models import QuerySet

from channels.x.models import XReply
from complaints.erasure import ERASED, erased_id
from complaints.models import Complaint


def x_erase(reports: QuerySet[Complaint]) -> None:
    XReply.objects.filter(complaint__in=reports).exclude(tweet_id__startswith=ERASED).update(
        tweet_id=erased_id(), reply_id="", last_error=""
    )
