"""The report list's search box: tracking numbers and mobiles however typed, then words of the description."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from complaints.access import may_see_contact
from complaints.phones import normalize_phone
from complaints.selectors import normalize_tracking_number


class SearchMixin:
    def get_search_results(self, request, queryset, search_term):
        """Also find a tracking number or a caller's mobile however it is typed (spaces, Arabic digits, 05…)."""
        before_search = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        number = normalize_tracking_number(term)
        if number and number != term:
            # Typed with spaces, without the dash or in Arabic digits.
            queryset = queryset | before_search.filter(tracking_number=number)
        if term and may_see_contact(request.user):
            try:
                phone = normalize_phone(term)
            except ValidationError:
                phone = None
            if phone:
                queryset = queryset | before_search.filter(reporter_phone=phone)
        return queryset, may_have_duplicates
