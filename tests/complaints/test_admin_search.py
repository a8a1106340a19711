"""The admin's search box and list at national size: each kind of term to its own lookup, bounded work per page."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.admin import paging
from complaints.models import Complaint
from complaints.search import classify
from municipality.models import Role
from municipality.text import fold_for_search
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, UtilityFactory, make_user, submit

pytestmark = pytest.mark.django_db

LIST = "/admin/complaints/complaint/"
ROLES = ["officer", "head", "liaison", "committee", "mayor", "admin"]


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads, t.cleaning = DepartmentFactory(code="roads"), DepartmentFactory(code="cleaning")
    t.water = UtilityFactory(code="water")
    t.pothole = CategoryFactory(default_department=t.roads)
    t.garbage = CategoryFactory(default_department=t.cleaning)
    t.school = submit(t.pothole, phone="0501234567", description="حفرة كبيرة أمام مدرسه البنات")
    t.amana = submit(t.pothole, phone="0559876543", description="بلاغ إلى امانة المنطقة عن الرصيف")
    t.english = submit(t.pothole, phone="0551112223", description="Broken PAVEMENT near the mosque")
    t.other = submit(t.garbage, phone="0501234567", description="نفايات متراكمة بجوار الحديقة")
    t.users = {
        "officer": make_user("officer", Role.OFFICER, department=t.roads),
        "head": make_user("head", Role.HEAD, department=t.roads),
        "liaison": make_user("liaison", Role.LIAISON, utility=t.water),
        "committee": make_user("committee", Role.COMMITTEE),
        "mayor": make_user("mayor", Role.MAYOR),
        "admin": make_user("boss", Role.ADMIN),
    }
    services.complaint_refer(complaint=t.english, actor=t.users["officer"], utility=t.water, reason="A water leak under it")
    return t


def found(client, user, q: str) -> set[str]:
    client.force_login(user)
    response = client.get(LIST, {"q": q, "due": "all"})
    assert response.status_code == 200
    return {c.tracking_number for c in response.context["cl"].result_list}


# --------------------------------------------------------------------------- the kind of a term, from its shape


@pytest.mark.parametrize(
    "typed,kind,value",
    [
        ("2611-000123", "tracking", "2611-000123"),
        ("2611000123", "tracking", "2611-000123"),
        (" ٢٦١١ ٠٠٠١٢٣ ", "tracking", "2611-000123"),
        ("0501234567", "phone", "+966501234567"),
        ("050 123 4567", "phone", "+966501234567"),
        ("966501234567", "phone", "+966501234567"),
        ("+966 50 123 4567", "phone", "+966501234567"),
        ("00966501234567", "phone", "+966501234567"),
        ("٠٥٠١٢٣٤٥٦٧", "phone", "+966501234567"),
        ("12345678901", "phone", ""),  # a number, but not a mobile we store: finds nothing
    ],
)
def test_a_term_is_recognised_by_its_shape(typed, kind, value):
    term = classify(typed)
    assert (term.kind, term.value) == (kind, value)


def test_arabic_letter_forms_and_marks_fold_alike():
    assert fold_for_search("مدرسة") == fold_for_search("مدرسه") == "مدرسه"
    assert fold_for_search("أمانة") == fold_for_search("امانة") == fold_for_search("إمانه") == "امانه"
    assert fold_for_search("مَدْرَسَـــة") == "مدرسه"
    assert fold_for_search("Broken") == "broken"


# --------------------------------------------------------------------------- results


def test_a_tracking_number_is_found_with_or_without_the_dash(client, town):
    officer = town.users["officer"]
    number = town.school.tracking_number
    assert found(client, officer, number) == {number}
    assert found(client, officer, number.replace("-", "")) == {number}
    assert found(client, officer, number.replace("-", " ")) == {number}
    # Another department's number stays hidden.
    assert found(client, officer, town.other.tracking_number) == set()


@pytest.mark.parametrize("typed", ["0501234567", "050 123 4567", "966501234567", "+966501234567", "+966 50 123 4567"])
def test_a_mobile_in_any_usual_form_finds_the_callers_reports_in_scope(client, town, typed):
    assert found(client, town.users["officer"], typed) == {town.school.tracking_number}
    assert found(client, town.users["admin"], typed) == {town.school.tracking_number, town.other.tracking_number}


@pytest.mark.parametrize("role", ["committee", "mayor", "liaison"])
def test_a_role_not_shown_numbers_finds_nothing_by_a_mobile_and_runs_no_query_on_numbers(client, town, role):
    client.force_login(town.users[role])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"q": "0501234567", "due": "all"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    asked = [q["sql"] for q in ctx.captured_queries if re.search(r'"reporter_phone"\s*(=|LIKE|IN)', q["sql"], re.I)]
    assert asked == []


def test_arabic_words_are_found_whatever_the_letter_forms(client, town):
    committee = town.users["committee"]
    assert found(client, committee, "مدرسة") == {town.school.tracking_number}
    assert found(client, committee, "أمانة") == {town.amana.tracking_number}
    assert found(client, committee, "الرَّصِيف") == {town.amana.tracking_number}
    # Every word must be there.
    assert found(client, committee, "حفرة مدرسة") == {town.school.tracking_number}
    assert found(client, committee, "حفرة امانة") == set()
    # A word too short for the trigram index still counts ("بلاغ" holds "لا").
    assert found(client, committee, "لا امانة") == {town.amana.tracking_number}
    assert found(client, committee, "لا مدرسة") == set()


def test_english_words_are_found_whatever_the_case(client, town):
    assert found(client, town.users["admin"], "broken pavement") == {town.english.tracking_number}
    assert found(client, town.users["liaison"], "PAVEMENT") == {town.english.tracking_number}


# --------------------------------------------------------------------------- bounded work per page


def _list_queries(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params)
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("role", ROLES)
def test_the_number_of_queries_does_not_grow_with_rows_for_any_role_or_search(client, town, role):
    client.force_login(town.users[role])
    cases = [
        {"due": "all"},
        {"due": "all", "q": town.school.tracking_number},
        {"due": "all", "q": "0501234567"},
        {"due": "all", "q": "مدرسة"},
        {"due": "all", "status__exact": "assigned", "created_at__year": str(town.school.created_at.year)},
    ]
    for params in cases:
        _list_queries(client, params)  # warm (sessions, content types)
    few = [len(_list_queries(client, params)) for params in cases]
    for i in range(12):
        submit(town.pothole, phone="0501234567", description=f"حفرة أمام مدرسة رقم {i}")
        submit(town.garbage, description=f"Broken bench number {i}")
    many = [len(_list_queries(client, params)) for params in cases]
    assert few == many


def test_no_page_scans_the_reports_for_dates_or_filter_choices(client, town):
    client.force_login(town.users["committee"])
    year = str(town.school.created_at.year)
    for params in ({}, {"created_at__year": year}, {"created_at__year": year, "created_at__month": "1"}):
        queries = _list_queries(client, params)
        on_reports = [sql for sql in queries if '"complaints_complaint"' in sql]
        assert not [sql for sql in on_reports if re.search(r"\b(DISTINCT|MIN|MAX)\b|django_date_trunc|DATE_TRUNC", sql, re.I)]
        # The page, its count (or the planner's estimate) and the first report's date: nothing per filter.
        assert len(on_reports) <= 4, on_reports


def test_the_date_drilldown_and_the_filters_still_work(client, town):
    client.force_login(town.users["admin"])
    when = town.school.created_at
    page = client.get(LIST, {"created_at__year": when.year, "created_at__month": when.month, "due": "all"})
    assert town.school.tracking_number in page.content.decode()
    assert f"created_at__day={when.day}" in page.content.decode()  # the calendar's days are offered
    page = client.get(LIST, {"created_at__year": when.year - 1, "due": "all"})
    assert list(page.context["cl"].result_list) == []
    page = client.get(LIST, {"department__id__exact": town.cleaning.pk, "due": "all"})
    assert list(page.context["cl"].result_list) == [town.other]
    page = client.get(LIST, {"utility__id__exact": town.water.pk, "due": "all"})
    assert list(page.context["cl"].result_list) == [town.english]


def test_the_filter_choices_come_from_the_small_tables_within_the_users_scope(client, town):
    client.force_login(town.users["liaison"])
    specs = client.get(LIST, {"due": "all"}).context["cl"].filter_specs
    utility = next(s for s in specs if getattr(s, "field_path", "") == "utility")
    assert {pk for pk, _label in utility.lookup_choices} == {town.water.pk}
    client.force_login(town.users["committee"])
    specs = client.get(LIST, {"due": "all"}).context["cl"].filter_specs
    department = next(s for s in specs if getattr(s, "field_path", "") == "department")
    assert {pk for pk, _label in department.lookup_choices} >= {town.roads.pk, town.cleaning.pk}


def test_past_a_size_the_count_is_the_planners_estimate_on_postgresql_and_exact_elsewhere(client, town, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 2)
    client.force_login(town.users["admin"])
    cl = client.get(LIST, {"due": "all"}).context["cl"]
    if connection.vendor == "postgresql":
        assert cl.paginator.estimated and cl.result_count >= 3
    else:
        assert not cl.paginator.estimated and cl.result_count == Complaint.objects.count()


@pytest.mark.postgres
def test_free_text_search_is_answered_by_the_trigram_index_on_postgresql(town):
    from complaints.search import search_complaints

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_complaints(Complaint.objects.all(), "مدرسة", with_contact=False).order_by().explain()
    assert "complaint_description_trgm" in plan


# --------------------------------------------------------------------------- a liaison's list stays inside its utility


def _statement(client, user, params, starts: str) -> str:
    client.force_login(user)
    return next(sql for sql in _list_queries(client, params) if sql.startswith(starts))


def _plan_left_only(index: str, sql: str, *, walk: bool = False) -> str:
    """EXPLAIN of ``sql`` with the planner left only ``index`` on the reports and no sequential scan, as on a big
    table where it picks that index itself (migration 0017): a query that cannot use it shows a scan of the table.

    ``walk``: no bitmap scan either. On the test's few rows, once they are ANALYZEd (as other tests before this
    one may leave them), reading them all and sorting is cheapest; on a big table only a walk of the index in
    its order stops at the page."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if walk:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'complaints_complaint'::regclass AND i.relname <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # the dropped indexes come back
    return plan


@pytest.mark.postgres
def test_a_liaisons_word_search_is_counted_from_the_trigram_index_of_the_referred_reports(client, town):
    count = _statement(client, town.users["liaison"], {"due": "all", "q": "مدرسة"}, "SELECT COUNT(*)")
    plan = _plan_left_only("complaint_referred_trgm", count)
    assert "Bitmap Index Scan on complaint_referred_trgm" in plan, plan


@pytest.mark.postgres
def test_a_liaisons_page_of_many_matches_walks_the_utilitys_reports_newest_first(client, town, monkeypatch):
    monkeypatch.setattr(paging, "planner_estimate", lambda queryset: 100_000)  # thousands of matches: walked by time
    page = _statement(client, town.users["liaison"], {"due": "all", "q": "مدرسة"}, 'SELECT "complaints_complaint"."id"')
    assert "strpos(" in page
    plan = _plan_left_only("complaint_utility_newest", page, walk=True)
    # By time within the utility (at 10M: an incremental sort on top that stops at the page).
    assert "Index Scan using complaint_utility_newest" in plan, plan


@pytest.mark.postgres
def test_a_liaisons_filtered_list_is_one_range_of_the_utility_status_district_index(client, town):
    params = {"due": "all", "status__exact": "in_progress", "district__id__exact": town.english.district_id}
    count = _statement(client, town.users["liaison"], params, "SELECT COUNT(*)")
    plan = _plan_left_only("complaint_utility_status_dist", count)
    cond = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "utility_id =" in cond and "status" in cond and "district_id =" in cond, plan
