"""``{% load routing_tags %}{% merge_candidates_panel complaint %}`` on the report's admin change page."""

from django import template

from complaints import access
from routing.selectors import merge_candidates

register = template.Library()


@register.inclusion_tag("routing/_merge_candidates.html", takes_context=True)
def merge_candidates_panel(context, complaint):
    request = context.get("request")
    user = getattr(request, "user", None)
    candidates = merge_candidates(complaint, user=user) if user is not None else []
    return {
        "complaint": complaint,
        "candidates": [{"nearby": c, "can_merge_other": access.can_work(user, c.complaint)} for c in candidates],
        "can_merge_this": user is not None and access.can_work(user, complaint),
        "duplicates": list(complaint.duplicates.only("pk", "tracking_number", "status")) if complaint.pk else [],
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
