"""The committee's filters (django-filter): date range, department, category, channel, district, priority."""

from __future__ import annotations

from datetime import date, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, Complaint, Priority
from municipality.models import Department, District
from reports.kpis import RIYADH, Period

DEFAULT_DAYS = 28
MAX_DAYS = 3 * 366
# Dates outside these bounds are typing mistakes or probes (9999-12-31 overflowed the period arithmetic).
EARLIEST = date(2000, 1, 1)


def default_dates():
    today = timezone.now().astimezone(RIYADH).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def effective_dates(first: date | None, last: date | None) -> tuple[date, date]:
    """The period a filter means when a date is missing: "from" alone runs to today, "to" alone takes the
    default length ending then, neither is the default period."""
    default_first, default_last = default_dates()
    if first and not last:
        last = max(first, default_last)
    elif last and not first:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    return first or default_first, last or default_last


class ReportFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        latest = default_dates()[1] + timedelta(days=366)
        for value in (first, last):
            if value and not (EARLIEST <= value <= latest):
                raise forms.ValidationError(
                    _("Choose dates between %(first)s and %(last)s.") % {"first": EARLIEST, "last": latest},
                    code="date_out_of_range",
                )
        first, last = effective_dates(first, last)
        if first > last:
            raise forms.ValidationError(_("The start date is after the end date."), code="dates_reversed")
        if (last - first).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."), code="period_too_long")
        return data


def type_choices() -> list:
    """The type filter's options: each main type a group, "all of it" first, then its sub-types."""
    categories = list(Category.objects.order_by("sort_order", "code"))
    subs: dict[int, list] = {}
    for category in categories:
        if category.parent_id is not None:
            subs.setdefault(category.parent_id, []).append(category)
    choices: list = [("", "---------")]
    for main in (c for c in categories if c.parent_id is None):
        options = [(main.pk, _("All of “%(type)s”") % {"type": main.name})]
        options += [(sub.pk, sub.name) for sub in subs.get(main.pk, [])]
        choices.append((main.name, options))
    return choices


class ComplaintReportFilter(django_filters.FilterSet):
    """Filters the complaints the KPIs are computed over; the dates make the period."""

    date_from = django_filters.DateFilter(label=_("From"), method="filter_noop", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("To"), method="filter_noop", widget=forms.DateInput(attrs={"type": "date"}))
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.order_by("code"))
    category = django_filters.ModelChoiceFilter(
        label=_("Type"),
        queryset=Category.objects.select_related("parent").order_by("sort_order", "code"),
        method="filter_category",
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=District.objects.order_by("code"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices)

    class Meta:
        model = Complaint
        fields = ["date_from", "date_to", "department", "category", "channel", "district", "priority"]
        form = ReportFilterForm

    def __init__(self, data=None, *args, scope_department=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.scope_department = scope_department
        self.form.fields["category"].widget.choices = type_choices()  # grouped; the queryset still validates
        first, last = default_dates()
        self.form.fields["date_from"].initial = first
        self.form.fields["date_to"].initial = last
        if scope_department is not None:
            # A department head sees their own department only.
            field = self.form.fields["department"]
            field.queryset = Department.objects.filter(pk=scope_department.pk)
            field.empty_label = None

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    @property
    def period(self) -> Period:
        if self.is_bound and self.form.is_valid():
            return Period.for_dates(
                *effective_dates(self.form.cleaned_data.get("date_from"), self.form.cleaned_data.get("date_to"))
            )
        return Period.for_dates(*default_dates())

    @property
    def complaints(self):
        """The filtered complaints (every filter except the dates); ``none()`` on invalid input."""
        if self.is_bound and not self.form.is_valid():
            return self.queryset.none()
        return self.qs

    def complaints_in_period(self):
        p = self.period
        return self.complaints.filter(created_at__gte=p.start, created_at__lt=p.end)


def report_filter(data=None, *, scope_department=None) -> ComplaintReportFilter:
    """The committee's filter over the reports its reader may see: all of them, or a head's department."""
    queryset = Complaint.objects.all()
    if scope_department is not None:
        queryset = queryset.filter(department_id=scope_department.pk)
    return ComplaintReportFilter(data, queryset=queryset, scope_department=scope_department)
