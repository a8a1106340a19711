"""The citizen's report form: type → sub-type → pin → description → photos → contact → confirm → done."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint
from complaints.photo_stash import PhotoStash, purge_stale_stashes
from tests.factories import OUTSIDE, CategoryFactory, DistrictFactory, photo_file

pytestmark = pytest.mark.django_db

START = "/"


@pytest.fixture
def category():
    return CategoryFactory(name_ar="حفرة في الطريق", name_en="Pothole", parent__name_ar="الطرق", parent__name_en="Roads")


def form_data(sub_type, /, **changes) -> dict:
    data = {
        "main_type": sub_type.parent_id,
        "category": sub_type.pk,
        "lat": "18.30",
        "lon": "42.73",
        "address": "أمام المسجد",
        "description": "حفرة عميقة أمام المسجد تعيق السير",
        "reporter_name": "محمد",
        "reporter_phone": "0501234567",
        "review": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def review(client, data, photos=None):
    payload = dict(data)
    if photos is not None:
        payload["photos"] = photos
    return client.post(START, payload)


def confirm_payload(response) -> str:
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "citizen/report_confirm.html" in [t.name for t in response.templates]
    return response.context["confirm"].initial["payload"]


def errors_of(response) -> dict:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def exif_with_camera_and_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 5D"  # Model
    exif[0x8825] = {1: "N", 2: (18.0, 18.0, 0.0)}  # GPS IFD
    return exif.tobytes()


# --------------------------------------------------------------------------- happy path


def test_the_form_is_arabic_and_right_to_left_by_default(client, category):
    response = client.get(START)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "أبلغ عن مشكلة" in html
    assert category.parent.name_ar in html and category.name_ar in html
    assert "leaflet/leaflet" in html  # django-leaflet's bundled Leaflet, not a CDN
    assert "unpkg.com" not in html and "cdn" not in html.lower()


def test_arabic_first_even_when_the_browser_asks_for_english(client, category):
    html = client.get(START, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'dir="rtl"' in html and "أبلغ عن مشكلة" in html


def test_english_after_switching_language(client, category):
    response = client.post("/i18n/setlang/", {"language": "en", "next": START}, follow=True)
    html = response.content.decode()
    assert 'dir="ltr"' in html and 'lang="en"' in html
    assert "Report a problem" in html and "Pothole" in html
    response = client.post(START, form_data(category, description="short"))
    assert "Describe the problem in at least 10 characters." in response.content.decode()


def test_happy_path_from_form_to_tracking_number(client, category):
    response = review(client, form_data(category), photos=[photo_file("street.jpg", exif=exif_with_camera_and_gps())])
    html = response.content.decode()
    assert "حفرة عميقة أمام المسجد" in html and "+966501234567" in html  # the confirm page shows everything
    assert Complaint.objects.count() == 0  # nothing sent before the citizen confirms
    payload = confirm_payload(response)

    response = client.post(START, {"payload": payload, "submit": "1"})
    assert response.status_code == 302 and response.url == reverse("citizen:done")
    done = client.get(response.url)
    complaint = Complaint.objects.get()
    assert complaint.tracking_number in done.content.decode()
    assert reverse("citizen:track", args=[complaint.token]) in done.content.decode()
    assert complaint.category == category
    assert complaint.reporter_phone == "+966501234567"
    assert complaint.reporter_name == "محمد"
    assert complaint.address == "أمام المسجد"
    assert (complaint.lat, complaint.lon) == (18.30, 42.73)
    assert complaint.channel == "web" and complaint.language == "ar"
    assert complaint.department == category.default_department
    [attachment] = complaint.attachments.all()
    with Image.open(attachment.file.path) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_a_language_other_than_arabic_is_stored(client, category):
    client.post("/i18n/setlang/", {"language": "en", "next": START})
    payload = confirm_payload(review(client, form_data(category)))
    client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.get().language == "en"


def test_the_done_page_cannot_be_reached_by_guessing(client, category):
    assert client.get(reverse("citizen:done")).url == START
    payload = confirm_payload(review(client, form_data(category)))
    client.post(START, {"payload": payload, "submit": "1"})
    response = Client().get(reverse("citizen:done"))  # another visitor, without the session
    assert response.status_code == 302
    assert Complaint.objects.get().tracking_number not in response.content.decode()


def test_double_submit_of_the_confirm_page_makes_one_report(client, category):
    payload = confirm_payload(review(client, form_data(category), photos=[photo_file()]))
    first = client.post(START, {"payload": payload, "submit": "1"})
    second = client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.count() == 1
    assert first.url == second.url == reverse("citizen:done")
    complaint = Complaint.objects.get()
    assert complaint.attachments.count() == 1
    assert complaint.tracking_number in client.get(second.url).content.decode()


def test_edit_from_the_confirm_page_keeps_everything_including_photos(client, category):
    payload = confirm_payload(review(client, form_data(category), photos=[photo_file()]))
    response = client.post(START, {"payload": payload, "edit": "1"})
    html = response.content.decode()
    assert "citizen/report_form.html" in [t.name for t in response.templates]
    assert "حفرة عميقة أمام المسجد تعيق السير" in html
    assert 'value="+966501234567"' in html
    assert re.search(rf'name="category" value="{category.pk}"[^>]*checked', html)
    assert re.search(rf'name="main_type" value="{category.parent_id}"[^>]*checked', html)
    form = response.context["form"]
    assert len(form.stash) == 1
    # Change the description and send: the photo is still there.
    data = form_data(category, description="حفرة كبيرة جدا أمام المسجد", photo_stash=form.stash_signed)
    payload = confirm_payload(review(client, data))
    client.post(START, {"payload": payload, "submit": "1"})
    complaint = Complaint.objects.get()
    assert complaint.description == "حفرة كبيرة جدا أمام المسجد"
    assert complaint.attachments.count() == 1


def test_a_tampered_confirmation_is_refused(client, category):
    payload = confirm_payload(review(client, form_data(category)))
    response = client.post(START, {"payload": payload[:-3] + "abc", "submit": "1"}, follow=True)
    assert Complaint.objects.count() == 0
    assert "انتهت صلاحية" in response.content.decode()


def test_anonymous_only_where_the_category_allows_it(client):
    open_category = CategoryFactory(allow_anonymous=True)
    strict = CategoryFactory(allow_anonymous=False)
    response = review(client, form_data(strict, reporter_phone="", reporter_name="", is_anonymous="on"))
    assert response.status_code == 400
    assert "أدخل رقم جوال" in " ".join(errors_of(response)["reporter_phone"])

    payload = confirm_payload(review(client, form_data(open_category, reporter_phone="0501234567", is_anonymous="on")))
    client.post(START, {"payload": payload, "submit": "1"})
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous and complaint.reporter_phone == "" and complaint.reporter_name == ""


# --------------------------------------------------------------------------- bad input: translated errors, nothing lost


def assert_kept(response, *texts):
    html = response.content.decode()
    for text in texts:
        assert text in html, text


def test_no_category(client, category):
    response = review(client, form_data(category, main_type=None, category=None))
    assert response.status_code == 400
    assert errors_of(response)["category"] == ["اختر نوع البلاغ."]
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", 'value="0501234567"', 'value="محمد"', 'value="18.30"')
    assert Complaint.objects.count() == 0


def test_main_type_only(client, category):
    response = review(client, form_data(category, category=None))
    assert errors_of(response)["category"] == ["اختر النوع الفرعي، لا النوع الرئيسي فقط."]
    html = response.content.decode().replace("\n", " ")
    assert re.search(rf'name="main_type" value="{category.parent_id}"\s*checked', html)
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", 'value="0501234567"')


def test_too_short_description(client, category):
    response = review(client, form_data(category, description="حفرة"))
    assert errors_of(response)["description"] == ["صف المشكلة في 10 أحرف على الأقل."]
    assert_kept(response, ">حفرة</textarea>", 'value="0501234567"', 'value="18.30"')


def test_no_pin(client, category):
    response = review(client, form_data(category, lat="", lon=""))
    assert errors_of(response)["lat"] == ["ضع الدبوس على الخريطة في موقع المشكلة."]
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", 'value="0501234567"')


def test_point_outside_the_municipality(client, category):
    DistrictFactory()
    response = review(client, form_data(category, lat=str(OUTSIDE[0]), lon=str(OUTSIDE[1])))
    assert errors_of(response)["lat"] == ["هذا الموقع خارج نطاق البلدية. ضع الدبوس داخل أحياء المدينة."]
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", f'value="{OUTSIDE[0]}"')
    # Inside the district it goes through, and the district is recorded.
    payload = confirm_payload(review(client, form_data(category)))
    client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.get().district is not None


def test_bad_phone(client, category):
    response = review(client, form_data(category, reporter_phone="12345"))
    assert errors_of(response)["reporter_phone"] == ["«12345» ليس رقم جوال صحيحًا."]
    assert_kept(response, 'value="12345"', "حفرة عميقة أمام المسجد تعيق السير")


def test_a_photo_that_is_not_an_image_is_refused_and_the_good_one_kept(client, category):
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    response = review(client, form_data(category), photos=[photo_file("good.jpg"), fake])
    assert response.status_code == 400
    assert errors_of(response)["photos"] == ["تعذرت قراءة الصورة «virus.jpg»."]
    form = response.context["form"]
    assert len(form.stash) == 1  # the good photo stays
    # The signed stash carries a timestamp: compare what it signs, not when.
    assert_kept(response, form.stash_signed.split(":")[0], "حفرة عميقة أمام المسجد تعيق السير")
    # Resubmit without choosing it again: it arrives with the report.
    payload = confirm_payload(review(client, form_data(category, photo_stash=form.stash_signed)))
    client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.get().attachments.count() == 1


def test_photos_accepted_earlier_survive_another_error(client, category):
    response = review(
        client, form_data(category, description="قصير"), photos=[photo_file("a.jpg"), photo_file("b.png", fmt="PNG")]
    )
    form = response.context["form"]
    assert "description" in form.errors and len(form.stash) == 2
    html = response.content.decode()
    for photo in form.stash.photos():
        assert photo["url"] in html  # previews of what is already attached
    response = review(client, form_data(category, reporter_phone="bad", photo_stash=form.stash_signed))
    assert "reporter_phone" in response.context["form"].errors
    assert len(response.context["form"].stash) == 2
    # Remove one of them, then send.
    stash = response.context["form"].stash
    data = form_data(category, photo_stash=response.context["form"].stash_signed, remove_photos=stash.names[0])
    payload = confirm_payload(review(client, data))
    client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.get().attachments.count() == 1


def test_five_photos(client, category):
    photos = [photo_file(f"p{i}.jpg") for i in range(5)]
    response = review(client, form_data(category), photos=photos)
    assert errors_of(response)["photos"] == ["الحد الأقصى 4 صور؛ لم تُضف صورة واحدة."]
    assert len(response.context["form"].stash) == 4
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير")


def test_five_photos_over_two_rounds(client, category):
    first = review(client, form_data(category, description="قصير"), photos=[photo_file(f"p{i}.jpg") for i in range(3)])
    signed = first.context["form"].stash_signed
    response = review(client, form_data(category, photo_stash=signed), photos=[photo_file("x.jpg"), photo_file("y.jpg")])
    assert "photos" in response.context["form"].errors
    assert len(response.context["form"].stash) == 4


def test_oversized_photo(client, category, settings):
    big = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (settings.BALAGH_MAX_PHOTO_BYTES + 1), content_type="image/jpeg")
    response = review(client, form_data(category), photos=[big])
    assert errors_of(response)["photos"] == ["حجم «huge.jpg» أكبر من 5 ميجابايت."]
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", 'value="0501234567"')


def test_a_category_that_needs_a_photo(client):
    category = CategoryFactory(needs_photo=True)
    response = review(client, form_data(category))
    assert errors_of(response)["photos"] == ["هذا النوع من البلاغات يتطلب صورة واحدة على الأقل."]


def test_errors_in_english(client, category):
    client.post("/i18n/setlang/", {"language": "en", "next": START})
    response = review(client, form_data(category, main_type=None, category=None, reporter_phone="12345"))
    errors = errors_of(response)
    assert errors["category"] == ["Choose a type of report."]
    assert errors["reporter_phone"] == ["“12345” is not a valid mobile number."]


def test_a_stash_reference_cannot_be_forged(client, category):
    response = review(client, form_data(category, photo_stash="tmp/../../etc/passwd"))
    payload = confirm_payload(response)
    client.post(START, {"payload": payload, "submit": "1"})
    assert Complaint.objects.get().attachments.count() == 0


def test_stashed_photos_are_cleaned_up(client, category, settings):
    import os
    import time

    tmp = settings.MEDIA_ROOT / "tmp"
    response = review(client, form_data(category), photos=[photo_file()])
    mine = tmp / PhotoStash.load(response.context["values"]["stash"]).token
    assert len(os.listdir(mine)) == 1
    client.post(START, {"payload": confirm_payload(response), "submit": "1"})
    assert not mine.exists() or not os.listdir(mine)  # filed: the stash is gone

    # An abandoned stash goes after a day.
    abandoned = review(client, form_data(category, description="قصير"), photos=[photo_file()]).context["form"].stash
    path = tmp / abandoned.token / abandoned.names[0]
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    assert purge_stale_stashes() >= 1
    assert not path.exists()
    assert PhotoStash.load(abandoned.sign()).names == []


def test_a_type_withdrawn_before_confirming_sends_the_citizen_back_with_everything(client, category):
    payload = confirm_payload(review(client, form_data(category), photos=[photo_file()]))
    type(category).objects.filter(pk=category.pk).update(active=False)
    response = client.post(START, {"payload": payload, "submit": "1"})
    assert response.status_code == 400
    assert errors_of(response)["category"] == ["اختر نوع البلاغ."]
    assert_kept(response, "حفرة عميقة أمام المسجد تعيق السير", 'value="+966501234567"')
    assert len(response.context["form"].stash) == 1
    assert Complaint.objects.count() == 0
