"""The KPI numbers against the hand-computed week in conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.models import Complaint
from municipality.models import Holiday
from reports import kpis
from reports.kpis import Period
from tests.reports.conftest import PERIOD, WEEK, at

pytestmark = pytest.mark.django_db


def test_headline_numbers_of_the_week(week_data):
    s = kpis.kpi_summary(period=PERIOD)
    assert s["received"] == 9  # A B C D E F G I J (H came the week before)
    assert s["closed"] == 6  # A B C D E H
    assert s["finished"] == 5  # the duplicate D is not counted as work done
    assert s["completed"] == 6  # A B C D E J (J is resolved, waiting for the citizen)
    assert s["completion_pct"] == 66.7
    assert s["backlog"] == 3  # F G I (I was closed only the week after)
    assert s["overdue"] == 1  # F
    # A, C and E (thanks to its on-hold pause) on time; B and H late.
    assert s["sla_pct"] == 60.0
    # Response known for A B C D E F I J; on time for A C E J.
    assert s["response_pct"] == 50.0


def test_resolution_times_mean_median_and_90th_percentile(week_data):
    s = kpis.kpi_summary(period=PERIOD)
    # A 1 day, C 2 (from receipt to the second resolution), H 4, B 5, E 5.5 (hold included).
    assert s["avg_days"] == 3.5
    assert s["median_days"] == 4.0
    assert s["p90_days"] == 5.3
    factor = kpis.working_hours_factor(PERIOD)
    assert factor == pytest.approx(40 / 168)  # Sunday–Thursday, 08:00–16:00, no holiday in those weeks
    assert s["avg_working_hours"] == round(3.5 * 24 * factor, 1)
    assert s["median_working_hours"] == round(4 * 24 * factor, 1)


def test_satisfaction_reopen_duplicates_and_transfers(week_data):
    s = kpis.kpi_summary(period=PERIOD)
    assert s["rated"] == 3
    assert s["rating_avg"] == 3.67
    assert s["satisfied_pct"] == 66.7  # 5 and 4 of 5, 2, 4
    assert s["reopen_pct"] == 20.0  # C, of five finished
    assert s["duplicate_pct"] == 11.1  # D, of nine received
    assert s["transfers"] == 1  # G


def test_a_filtered_view_counts_the_transfers_of_its_own_reports(week_data):

    def transfers(**filters):
        return kpis.compile_kpis(period=PERIOD, queryset=Complaint.objects.filter(**filters))["summary"]["transfers"]

    assert transfers(department=week_data.dept2) == 1  # G now belongs to department 2
    assert transfers(department=week_data.dept1) == 0  # moved out of department 1: not its report any more
    assert transfers(category=week_data.cat1) == 1 and transfers(category=week_data.cat2) == 0


def test_holidays_shorten_the_working_hours(week_data):

    before = kpis.working_hours_factor(PERIOD)
    Holiday.objects.create(date=date(2026, 11, 3), name_ar="عطلة", name_en="A holiday")  # a Tuesday
    after = kpis.working_hours_factor(PERIOD)
    assert after == pytest.approx(before * (200 - 8) / 200)  # one 8-hour day fewer in five weeks
    assert kpis.kpi_summary(period=PERIOD)["avg_working_hours"] == round(3.5 * 24 * after, 1)


def test_an_empty_week_has_zeroes_and_no_percentages(week_data):
    empty = Period.week(date(2026, 6, 7))
    s = kpis.kpi_summary(period=empty)
    assert (s["received"], s["closed"], s["backlog"], s["transfers"]) == (0, 0, 0, 0)
    assert s["completion_pct"] is None and s["sla_pct"] is None and s["median_days"] is None
    report = kpis.compile_kpis(period=empty)
    assert report["departments"] == [] and report["overdue"] == []
    assert [p["received"] for p in report["trend"]] == [0] * 7


def test_the_following_week_sees_what_spanned_it(week_data):
    nxt = Period.week(date(2026, 11, 8))
    s = kpis.kpi_summary(period=nxt)
    assert s["received"] == 0
    assert s["closed"] == 1  # I, received the week before
    # F, G still open; F and G are overdue by the end of the next week (G was due S+9).
    assert s["backlog"] == 2
    assert s["overdue"] == 2


def test_departments_are_graded_against_the_targets(week_data):
    rows = {r["id"]: r for r in kpis.by_department(period=PERIOD)}
    roads, cleaning = rows[week_data.dept1.pk], rows[week_data.dept2.pk]
    assert roads["received"] == 6 and cleaning["received"] == 3  # G moved to cleaning
    assert roads["sla_pct"] == 75.0 and roads["completion_pct"] == 83.3
    assert roads["grade"] == "B"
    assert cleaning["sla_pct"] == 0.0 and cleaning["grade"] == "D"
    assert roads["transfers_out"] == 1 and cleaning["transfers_out"] == 0


def test_categories_show_the_change_from_the_previous_week(week_data):
    rows = {r["id"]: r for r in kpis.by_category(period=PERIOD)}
    roads = rows[week_data.cat1.parent_id]
    assert (roads["received"], roads["previous_received"], roads["change"]) == (7, 1, 6)
    cleaning = rows[week_data.cat2.parent_id]
    assert (cleaning["received"], cleaning["previous_received"], cleaning["change_pct"]) == (2, 0, None)


def test_channels_districts_and_hotspots(week_data):
    assert [(r["id"], r["received"]) for r in kpis.by_channel(period=PERIOD)] == [("web", 9)]
    districts = kpis.by_district(period=PERIOD)
    assert districts[0]["received"] == 9 and districts[0]["name_en"]
    cells = kpis.hotspot_cells(period=PERIOD)
    assert cells[0]["count"] == 9 and abs(cells[0]["lat"] - 18.30) < 0.01


def test_trend_counts_per_local_day(week_data):
    days = {p["day"]: p for p in kpis.trend(period=PERIOD)}
    assert len(days) == 7
    assert days["2026-11-02"]["received"] == 3  # A B F at S+1
    assert days["2026-11-02"]["closed"] == 1  # H
    assert sum(p["received"] for p in days.values()) == 9


def test_the_overdue_list_names_owner_and_age(week_data):
    rows = kpis.overdue_list(period=PERIOD)
    assert [r["tracking_number"] for r in rows] == [week_data.c["F"].tracking_number]
    f = rows[0]
    assert f["owner_en"] == week_data.dept2.name_en
    assert f["age_days"] == 6.0 and f["overdue_days"] == 3.0


def test_a_week_period_runs_sunday_to_sunday_in_riyadh():
    p = Period.week(WEEK)
    assert p.start.isoformat() == "2026-11-01T00:00:00+03:00"
    assert p.end.isoformat() == "2026-11-08T00:00:00+03:00"
    assert p.days == 7 and p.last_day == date(2026, 11, 7)
    assert at(0) == p.start


def test_the_one_pass_report_agrees_with_each_table(week_data):
    """compile_kpis reads the rows once (grouping sets on PostgreSQL); the tables must not change."""
    k = kpis.compile_kpis(period=PERIOD)
    assert k["summary"] == kpis.kpi_summary(period=PERIOD)
    assert k["departments"] == kpis.by_department(period=PERIOD)
    assert k["channels"] == kpis.by_channel(period=PERIOD)
    assert k["categories"] == kpis.by_category(period=PERIOD)
    assert k["districts"] == kpis.by_district(period=PERIOD)
    assert k["utilities"] == kpis.by_utility(period=PERIOD)
