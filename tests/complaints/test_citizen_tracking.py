"""Following a report: /track/ (number + mobile) and /track/<token>/ (status, public timeline, rating, reopening)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Event
from complaints.workflow import Status
from municipality.models import Role
from tests.factories import CategoryFactory, make_user, photo_file, submit

pytestmark = pytest.mark.django_db

LOOKUP = "/track/"
NO_MATCH_AR = "لم نعثر على بلاغ بهذا الرقم ورقم الجوال. تحقق منهما وحاول مرة أخرى."


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def complaint():
    return submit(CategoryFactory(name_ar="إنارة معطلة", name_en="Broken light"), phone="0501234567")


@pytest.fixture
def officer(complaint):
    user = make_user("k.otaibi", Role.OFFICER, department=complaint.department)
    user.first_name, user.last_name = "خالد", "العتيبي"
    user.save(update_fields=["first_name", "last_name"])
    return user


def page(client, complaint):
    return client.get(reverse("citizen:track", args=[complaint.token]))


def resolved(complaint, officer, *, photo=None):
    services.complaint_start(complaint=complaint, actor=officer)
    return services.complaint_resolve(complaint=complaint, actor=officer, note="تم إصلاح الإنارة", photo=photo)


# --------------------------------------------------------------------------- /track/


def test_the_right_number_and_mobile_open_the_report(client, complaint):
    response = client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"})
    assert response.status_code == 302
    assert response.url == reverse("citizen:track", args=[complaint.token])


@pytest.mark.parametrize("typed", ["+966501234567", "966501234567", "٠٥٠١٢٣٤٥٦٧", "050 123 4567"])
def test_the_mobile_may_be_typed_in_any_usual_way(client, complaint, typed):
    number = complaint.tracking_number.replace("-", "")  # the dash is optional too
    response = client.post(LOOKUP, {"tracking_number": number, "phone": typed})
    assert response.status_code == 302


def test_a_wrong_mobile_is_refused_without_saying_whether_the_number_exists(client, complaint):
    wrong_phone = client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0559999999"})
    no_such_number = client.post(LOOKUP, {"tracking_number": "2001-999999", "phone": "0501234567"})
    assert wrong_phone.status_code == no_such_number.status_code == 400
    assert NO_MATCH_AR in wrong_phone.content.decode()
    assert NO_MATCH_AR in no_such_number.content.decode()
    assert wrong_phone.context["form"].errors == no_such_number.context["form"].errors
    # What was typed is kept.
    assert 'value="0559999999"' in wrong_phone.content.decode()


def test_missing_fields_are_explained(client):
    response = client.post(LOOKUP, {"tracking_number": "", "phone": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "أدخل رقم البلاغ." in html and "أدخل رقم الجوال الذي استخدمته في البلاغ." in html


def test_too_many_wrong_attempts_are_blocked_even_with_the_right_pair(client, complaint):
    for i in range(10):
        client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": f"05599999{i:02d}"})
    response = client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"})
    assert response.status_code == 429
    assert "محاولات كثيرة" in response.content.decode()


def test_the_limit_follows_the_address_not_only_the_session(client, complaint):
    from django.test import Client

    for i in range(10):
        Client().post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": f"05599999{i:02d}"})
    response = client.post(LOOKUP, {"tracking_number": complaint.tracking_number, "phone": "0501234567"})
    assert response.status_code == 429


# --------------------------------------------------------------------------- /track/<token>/


def test_an_unknown_token_is_not_found(client):
    assert client.get(reverse("citizen:track", args=["no-such-token"])).status_code == 404


def test_status_in_words_category_date_and_expected_time(client, complaint):
    response = page(client, complaint)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert complaint.status == Status.ASSIGNED
    assert "محال" in html  # the status in words
    assert "إنارة معطلة" in html and complaint.category.parent.name_ar in html
    assert complaint.tracking_number in html
    assert complaint.resolution_due_at is not None
    assert timezone.localtime(complaint.resolution_due_at).strftime("%Y") in html
    assert "data-expected" in html
    assert "تم استلام البلاغ" in html  # the first public event


def test_english_tracking_page(client, complaint):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = page(client, complaint).content.decode()
    assert 'dir="ltr"' in html and "Assigned" in html and "Broken light" in html and "Expected by" in html


def test_internal_notes_and_staff_names_are_never_shown(client, complaint, officer):
    services.complaint_add_note(complaint=complaint, actor=officer, text="ملاحظة داخلية: المقاول متأخر", public=False)
    services.complaint_add_note(complaint=complaint, actor=officer, text="سيتم الإصلاح خلال يومين", public=True)
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_hold(complaint=complaint, actor=officer, reason="بانتظار قطع الغيار")
    html = page(client, complaint).content.decode()
    assert "سيتم الإصلاح خلال يومين" in html and "بانتظار قطع الغيار" in html
    assert "المقاول متأخر" not in html
    assert Event.objects.filter(complaint=complaint, is_public=False).exists()
    for secret in ("k.otaibi", "خالد", "العتيبي"):
        assert secret not in html
    assert "معلق" in html  # on hold, in words


def test_public_photos_before_and_after(client, complaint, officer):
    with_photo = submit(complaint.category, photos=[photo_file()])
    resolved(with_photo, officer, photo=photo_file("after.png", fmt="PNG"))
    html = page(client, with_photo).content.decode()
    assert html.count('src="/track/photo/') == with_photo.attachments.count() == 2
    assert with_photo.attachments.filter(kind="after").exists()


def test_no_rating_or_reopening_before_the_fix(client, complaint):
    html = page(client, complaint).content.decode()
    assert 'id="rate"' not in html and 'id="reopen"' not in html
    response = client.post(reverse("citizen:track", args=[complaint.token]), {"action": "rate", "rate-rating": "5"})
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.rating is None


def test_rate_within_the_window(client, complaint, officer):
    resolved(complaint, officer)
    html = page(client, complaint).content.decode()
    assert 'id="rate"' in html and 'id="reopen"' in html
    response = client.post(
        reverse("citizen:track", args=[complaint.token]), {"action": "rate", "rate-rating": "4", "rate-comment": "شكرا"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.rating, complaint.rating_comment) == (4, "شكرا")
    html = client.get(response.url).content.decode()
    assert "شكرًا لتقييمك" in html
    assert 'id="rate"' not in html  # once only
    assert 'id="reopen"' in html  # reopening is still possible


def test_a_rating_without_stars_is_explained_and_the_comment_kept(client, complaint, officer):
    resolved(complaint, officer)
    response = client.post(reverse("citizen:track", args=[complaint.token]), {"action": "rate", "rate-comment": "جيد جدا"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "اختر تقييمًا من 1 إلى 5." in html and "جيد جدا" in html


def test_reopen_within_the_window(client, complaint, officer):
    resolved(complaint, officer)
    url = reverse("citizen:track", args=[complaint.token])
    response = client.post(url, {"action": "reopen", "reopen-reason": ""})
    assert response.status_code == 400
    assert "اذكر لماذا لم تُحل المشكلة." in response.content.decode()
    response = client.post(url, {"action": "reopen", "reopen-reason": "الإنارة ما زالت مطفأة"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.reopen_count == 1
    html = client.get(url).content.decode()
    assert "الإنارة ما زالت مطفأة" in html


def test_rating_and_reopening_are_refused_after_the_window(client, complaint, officer, settings):
    resolved(complaint, officer)
    Complaint.objects.filter(pk=complaint.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.BALAGH_REOPEN_DAYS, hours=1)
    )
    url = reverse("citizen:track", args=[complaint.token])
    html = client.get(url).content.decode()
    assert 'id="rate"' not in html and 'id="reopen"' not in html
    assert "data-window-closed" in html and "يرجى تقديم بلاغ جديد" in html

    response = client.post(url, {"action": "reopen", "reopen-reason": "ما زالت المشكلة قائمة"})
    assert response.status_code == 400
    assert "لم يعد بالإمكان إعادة فتح هذا البلاغ" in response.content.decode()
    response = client.post(url, {"action": "rate", "rate-rating": "2"})
    assert response.status_code == 400
    assert "لا يمكن تقييم هذا البلاغ الآن." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED and complaint.rating is None and complaint.reopen_count == 0
