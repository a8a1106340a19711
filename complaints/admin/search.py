"""The report list's search box: each kind of term goes to its own indexed lookup (``complaints.search``)."""

from __future__ import annotations

from complaints.access import may_see_contact
from complaints.search import search_complaints


class SearchMixin:
    def get_search_results(self, request, queryset, search_term):
        """Tracking numbers and mobiles however typed (spaces, Arabic digits, 05…), else words of the description."""
        return search_complaints(queryset, search_term, with_contact=may_see_contact(request.user)), False
