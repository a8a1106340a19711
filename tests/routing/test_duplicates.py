"""Nearby search, following a report, merging duplicates and the close/reopen cascades."""

import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, Event
from complaints.workflow import ClosureReason, Status, TransitionError
from municipality.models import Role
from notifications.models import Outbox
from routing import duplicates
from routing.duplicates import complaint_follow, complaint_merge
from routing.models import Follower
from routing.selectors import haversine_m, merge_candidates, nearby_open_complaints
from routing.tokens import follow_token
from tests.factories import CategoryFactory, DepartmentFactory, DistrictFactory, make_user, submit

pytestmark = pytest.mark.django_db

LAT, LON = 18.30, 42.73
M_PER_DEG_LAT = 111_195.0  # on the sphere the haversine uses


def north(metres):
    return LAT + metres / M_PER_DEG_LAT


def east(metres):
    return LON + metres / (M_PER_DEG_LAT * math.cos(math.radians(LAT)))


@pytest.fixture
def town():
    DistrictFactory()
    t = type("Town", (), {})()
    t.roads = DepartmentFactory(code="roads")
    t.pothole = CategoryFactory(default_department=t.roads, duplicate_radius_m=100)
    t.cracks = CategoryFactory(parent=t.pothole.parent, default_department=t.roads, duplicate_radius_m=100)
    t.officer = make_user("roads_officer", Role.OFFICER, department=t.roads)
    t.other_officer = make_user("other_officer", Role.OFFICER, department=DepartmentFactory(code="cleaning"))
    return t


def test_haversine_is_exact_enough():
    assert abs(haversine_m(LAT, LON, north(100), LON) - 100) < 0.5
    assert abs(haversine_m(LAT, LON, LAT, east(100)) - 100) < 0.5


def test_nearby_finds_open_reports_of_the_same_type_within_the_radius(town):
    near = submit(town.pothole, lat=north(40), lon=LON)
    edge = submit(town.pothole, lat=LAT, lon=east(99))
    submit(town.pothole, lat=north(102), lon=LON)  # just outside
    submit(town.pothole, lat=north(72), lon=east(72))  # in the box, outside the circle (~101.8 m)
    submit(town.cracks, lat=LAT, lon=LON)  # other sub-type
    closed = submit(town.pothole, lat=LAT, lon=east(10))
    services.complaint_close(complaint=closed, actor=None, reason=ClosureReason.NOT_VALID, note="بلاغ غير صحيح")
    found = nearby_open_complaints(category=town.pothole, lat=LAT, lon=LON)
    assert [n.complaint.pk for n in found] == [near.pk, edge.pk]
    assert 39 < found[0].distance_m < 41 and found[1].distance_m <= 100


def test_the_radius_comes_from_the_category(town):
    town.pothole.duplicate_radius_m = 300
    town.pothole.save()
    far = submit(town.pothole, lat=north(250), lon=LON)
    assert [n.complaint.pk for n in nearby_open_complaints(category=town.pothole, lat=LAT, lon=LON)] == [far.pk]
    assert nearby_open_complaints(category=town.pothole.pk, lat=LAT, lon=LON, radius_m=200) == []


def test_merge_candidates_exclude_the_report_itself(town):
    a = submit(town.pothole)
    b = submit(town.pothole, lat=north(20))
    assert [c.complaint.pk for c in merge_candidates(a, user=town.officer)] == [b.pk]
    assert merge_candidates(a, user=town.other_officer) == []


def test_nearby_api_lists_public_facts_and_a_follow_link(client, town):
    existing = submit(town.pothole, lat=north(30), description="حفرة كبيرة أمام المدرسة الابتدائية")
    response = client.get(reverse("api:complaints-nearby"), {"category": town.pothole.code, "lat": LAT, "lon": LON})
    assert response.status_code == 200
    body = response.json()
    assert body["radius_m"] == 100
    [item] = body["results"]
    assert 29 <= item["distance_m"] <= 31 and item["age_days"] == 0 and item["category"] == town.pothole.name
    assert "tracking_number" not in item and "description" not in item and "reporter_phone" not in item
    assert existing.token not in item["follow_url"]
    response = client.get(reverse("api:complaints-nearby"), {"category": town.pothole.pk, "lat": LAT, "lon": LON})
    assert len(response.json()["results"]) == 1


def test_nearby_api_refuses_bad_input_clearly(client, town):
    url = reverse("api:complaints-nearby")
    response = client.get(url, {"category": "nope", "lat": "x", "lon": 500})
    assert response.status_code == 400
    assert set(response.json()) == {"category", "lat", "lon"}


def sent_code(phone):

    return Outbox.objects.filter(template="phone_code", recipient=phone).latest("pk").context["code"]


def test_a_citizen_follows_an_existing_report(client, town):
    report = submit(town.pothole, phone="0501111111")
    url = reverse("routing:follow", args=[follow_token(report)])
    assert client.get(url).status_code == 200
    response = client.post(url, {"phone": "0552222222"})
    assert response.status_code == 302
    response = client.post(response["Location"], {"code": sent_code("+966552222222")})
    assert response.status_code == 200
    follower = Follower.objects.get(complaint=report)
    assert follower.phone == "+966552222222"
    assert report.events.filter(kind=Event.Kind.FOLLOWED).count() == 1
    # Following again changes nothing; a bad phone is a clear error.
    response = client.post(url, {"phone": "0552222222"})
    assert client.post(response["Location"], {"code": sent_code("+966552222222")}).status_code == 200
    assert Follower.objects.count() == 1
    response = client.post(url, {"phone": "123"})
    assert response.status_code == 400 and Follower.objects.count() == 1
    assert client.get(reverse("routing:follow", args=["forged-token"])).status_code == 404


def test_a_closed_report_cannot_be_followed(town):
    report = submit(town.pothole)
    services.complaint_close(complaint=report, actor=None, reason=ClosureReason.NOT_VALID, note="غير صحيح")
    with pytest.raises(TransitionError):
        complaint_follow(complaint=report, phone="0552222222")
    with pytest.raises(ValidationError):
        complaint_follow(complaint=submit(town.pothole), phone="abc")


def test_merge_closes_the_duplicate_and_points_it_to_the_master(town):
    master = submit(town.pothole, phone="0501111111")
    duplicate = submit(town.pothole, lat=north(20), phone="0552222222")
    complaint_merge(duplicate=duplicate, master=master, actor=town.officer)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.closure_reason == ClosureReason.DUPLICATE
    assert duplicate.duplicate_of == master
    assert master.events.filter(kind=Event.Kind.MERGED).exists() and duplicate.events.filter(kind=Event.Kind.MERGED).exists()
    closing = duplicate.events.get(kind=Event.Kind.CLOSED)
    assert closing.is_public and master.tracking_number in closing.text
    # The duplicate's reporter now gets the master's updates.
    assert Follower.objects.filter(complaint=master, phone="+966552222222").exists()


def test_merge_refusals(town):
    master = submit(town.pothole)
    duplicate = submit(town.pothole, lat=north(20))
    with pytest.raises(TransitionError):
        complaint_merge(duplicate=master, master=master, actor=town.officer)
    with pytest.raises(PermissionDenied):
        complaint_merge(duplicate=duplicate, master=master, actor=town.other_officer)
    other_type = submit(CategoryFactory(default_department=town.roads))
    with pytest.raises(TransitionError):
        complaint_merge(duplicate=other_type, master=master, actor=town.officer)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.ASSIGNED and duplicate.duplicate_of is None


def test_merging_into_a_duplicate_goes_to_its_master(town):
    master = submit(town.pothole)
    first = submit(town.pothole, lat=north(10))
    second = submit(town.pothole, lat=north(20))
    complaint_merge(duplicate=first, master=master, actor=town.officer)
    first.refresh_from_db()
    complaint_merge(duplicate=second, master=first, actor=town.officer)
    second.refresh_from_db()
    assert second.duplicate_of == master


def test_closing_the_master_closes_its_open_duplicates_with_a_public_note(town):
    master = submit(town.pothole)
    duplicate = submit(town.pothole, lat=north(20))
    complaint_merge(duplicate=duplicate, master=master, actor=town.officer)
    services.complaint_reopen(complaint=duplicate, actor=town.officer, reason="ليس مكرراً تماماً")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.IN_PROGRESS  # an open duplicate
    services.complaint_start(complaint=master, actor=town.officer)
    services.complaint_resolve(complaint=master, actor=town.officer, note="تم ردم الحفرة")
    services.complaint_close(complaint=master, actor=town.officer, reason=ClosureReason.FIXED)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.closure_reason == ClosureReason.DUPLICATE
    note = duplicate.events.filter(kind=Event.Kind.CLOSED).latest("created_at", "pk")
    assert note.is_public and master.tracking_number in note.text


def test_reopening_the_master_reopens_its_duplicates(town):
    master = submit(town.pothole)
    one = submit(town.pothole, lat=north(10))
    two = submit(town.pothole, lat=north(20))
    for d in (one, two):
        complaint_merge(duplicate=d, master=master, actor=town.officer)
    services.complaint_close(complaint=master, actor=town.officer, reason=ClosureReason.NOT_VALID, note="لا توجد حفرة")
    services.complaint_reopen(complaint=master, actor=town.officer, reason="الحفرة موجودة")
    for d in (one, two):
        d.refresh_from_db()
        assert d.status == Status.IN_PROGRESS and d.duplicate_of == master
        assert master.tracking_number in d.events.filter(kind=Event.Kind.REOPENED).get().text
    master.refresh_from_db()
    assert master.status == Status.IN_PROGRESS
    # And closing it again closes them again.
    services.complaint_close(complaint=master, actor=town.officer, reason=ClosureReason.NOT_VALID, note="تأكدنا")
    assert Complaint.objects.filter(duplicate_of=master, status=Status.CLOSED).count() == 2


def test_staff_merge_from_the_change_page(client, town):
    master = submit(town.pothole)
    duplicate = submit(town.pothole, lat=north(20))
    client.force_login(town.other_officer)
    response = client.post(reverse("routing:merge", args=[duplicate.pk]), {"duplicate": duplicate.pk, "master": master.pk})
    assert response.status_code == 404
    client.force_login(town.officer)
    response = client.post(reverse("routing:merge", args=[duplicate.pk]), {"duplicate": duplicate.pk, "master": master.pk})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == master and duplicate.status == Status.CLOSED


def test_merge_candidates_panel_renders(rf, town):
    from django.template import Context, Template

    a = submit(town.pothole)
    b = submit(town.pothole, lat=north(20))
    request = rf.get("/")
    request.user = town.officer
    html = Template("{% load routing_tags %}{% merge_candidates_panel c %}").render(Context({"c": a, "request": request}))
    assert b.tracking_number in html and reverse("routing:merge", args=[a.pk]) in html


def test_the_admin_change_page_shows_merge_candidates(client, town):
    a = submit(town.pothole)
    b = submit(town.pothole, lat=north(20))
    far = submit(town.pothole, lat=north(500))
    client.force_login(town.officer)
    html = client.get(reverse("admin:complaints_complaint_change", args=[a.pk])).content.decode()
    assert 'id="merge-candidates"' in html
    assert b.tracking_number in html and far.tracking_number not in html
    assert reverse("routing:merge", args=[a.pk]) in html


def test_an_app_follows_through_the_api(client, town):
    report = submit(town.pothole, lat=north(10), phone="0501111111")
    found = client.get(reverse("api:complaints-nearby"), {"category": town.pothole.code, "lat": LAT, "lon": LON}).json()
    url = found["results"][0]["follow_api_url"]
    response = client.post(url, {"phone": "0553333333"}, content_type="application/json")
    assert response.status_code == 202
    confirm = response.json()["confirm_url"]
    body = {"phone": "0553333333", "code": sent_code("+966553333333")}
    response = client.post(confirm, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["tracking_number"] == report.tracking_number
    assert client.post(url, {"phone": "12"}, content_type="application/json").status_code == 400
    assert (
        client.post(url.replace("/follow/", "/follow/x"), {"phone": "0553333333"}, content_type="application/json").status_code
        == 404
    )
    assert Follower.objects.filter(complaint=report).count() == 1


def test_a_report_takes_a_limited_number_of_followers(town, monkeypatch):

    monkeypatch.setattr(duplicates, "MAX_FOLLOWERS", 2)
    report = submit(town.pothole)
    complaint_follow(complaint=report, phone="0552222221")
    complaint_follow(complaint=report, phone="0552222222")
    assert complaint_follow(complaint=report, phone="0552222222")[1] is False  # an existing follower is fine
    with pytest.raises(TransitionError):
        complaint_follow(complaint=report, phone="0552222223")
    assert Follower.objects.filter(complaint=report).count() == 2
