"""A citizen files a report on WhatsApp in a guided conversation, in Arabic or English, in any order."""

import pytest
from django.utils import translation

from channels.whatsapp import intake, simulate, tasks
from channels.whatsapp.models import Conversation, InboundMessage
from complaints import services
from complaints.models import Attachment, Complaint
from complaints.workflow import ClosureReason
from municipality.models import Role
from notifications.models import Outbox
from tests.factories import OUTSIDE, CategoryFactory, MainCategoryFactory, make_user

pytestmark = pytest.mark.django_db

INSIDE = (18.30, 42.73)


def options(reply: dict) -> list[str]:
    return reply["options"]


def test_a_full_conversation_in_arabic_files_the_report_and_sends_the_number_and_link(citizen):
    first = citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    assert "الموقع" in citizen.last["body"]  # asked for the location, in Arabic
    citizen.sends_location(*INSIDE, name="مدرسة النور")
    assert sorted(options(citizen.last)) == ["asphalt", "garbage", "pothole"]  # sub-type codes; 3 ≤ 10: no main types
    citizen.chooses("pothole")
    assert options(citizen.last) == ["confirm", "cancel"]
    assert "حفرة في الطريق" in citizen.last["body"]
    citizen.taps("confirm")

    complaint = Complaint.objects.get()
    assert complaint.channel == "whatsapp" and complaint.external_id == first
    assert complaint.category.code == "pothole" and complaint.language == "ar"
    assert complaint.reporter_phone == "+966501234567" and complaint.reporter_name == "مواطن"
    assert complaint.description == "حفرة كبيرة أمام المدرسة تعيق السيارات"
    assert complaint.department.code == "roads"
    assert complaint.address == "مدرسة النور"
    received = citizen.last["body"]
    assert complaint.tracking_number in received and f"/track/{complaint.token}/" in received
    assert "تم استلام بلاغك" in received
    assert Outbox.objects.filter(channel="whatsapp", template="created", complaint=complaint).count() == 1
    assert not citizen.sms  # a WhatsApp citizen is answered on WhatsApp, not by SMS
    assert Conversation.objects.get().status == Conversation.Status.FILED


def test_a_citizen_who_writes_english_is_answered_in_english(citizen):
    citizen.says("There is a deep pothole in front of the school")
    assert "location" in citizen.last["body"].lower()
    citizen.sends_location(*INSIDE)
    assert "type" in citizen.last["body"].lower()
    citizen.chooses("pothole")
    assert "Pothole" in citizen.last["body"] and "Confirm" in citizen.last["body"]
    citizen.taps("confirm")

    complaint = Complaint.objects.get()
    assert complaint.language == "en"
    assert f"your report {complaint.tracking_number}" in citizen.last["body"]


def test_the_citizen_may_answer_in_any_order_and_a_photo_is_a_description(citizen):
    citizen.chooses("garbage")
    assert "describe" in citizen.last["body"].lower() or "صف" in citizen.last["body"]
    citizen.sends_location(*INSIDE)
    citizen.sends_photo()
    assert options(citizen.last) == ["confirm", "cancel"]
    citizen.taps("confirm")

    complaint = Complaint.objects.get()
    assert complaint.category.code == "garbage"
    assert Attachment.objects.filter(complaint=complaint, kind="before").count() == 1
    assert "واتساب" in complaint.description  # the photos stand for the description
    assert Conversation.objects.get().photos  # kept until filing, then the stash is gone
    assert complaint.attachments.get().file.read()[:2] == b"\xff\xd8"  # re-encoded JPEG, as the form does


def test_text_and_photos_with_captions_make_one_description_in_whatsapps_order(citizen):
    t1, t2 = citizen.tick(), citizen.tick()
    citizen.sends_photo(caption="الحاوية ممتلئة منذ أيام", ts=t2)
    citizen.says("النفايات متراكمة بجانب الحاوية", ts=t1)  # sent first, delivered second
    citizen.sends_location(*INSIDE)
    citizen.chooses("garbage")
    citizen.taps("confirm")
    assert Complaint.objects.get().description == "النفايات متراكمة بجانب الحاوية\nالحاوية ممتلئة منذ أيام"


def test_a_location_outside_the_city_is_refused_politely(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(*OUTSIDE)
    refusal, _, again = citizen.last["body"].partition("\n\n")
    assert "خارج" in refusal  # outside the municipality
    assert "الموقع" in again  # and asked again
    conversation = Conversation.objects.get()
    assert conversation.lat is None
    citizen.sends_location(*INSIDE)
    assert Conversation.objects.get().lat == INSIDE[0]


def test_an_english_speaker_hears_outside_the_city_in_english(citizen):
    citizen.says("Broken street light near the park")
    citizen.sends_location(*OUTSIDE)
    assert "outside the municipality" in citizen.last["body"]


def test_more_than_ten_sub_types_shows_the_main_types_first(citizen, city):
    lighting = MainCategoryFactory(code="lighting", name_en="Lighting", name_ar="الإنارة")
    for n in range(9):
        CategoryFactory(code=f"light-{n}", parent=lighting, name_en=f"Light {n}", name_ar=f"إنارة {n}")
    citizen.says("الإنارة مطفأة في الشارع كله")
    citizen.sends_location(*INSIDE)
    assert sorted(options(citizen.last)) == ["cleanliness", "lighting", "roads"]
    citizen.chooses("lighting")
    assert options(citizen.last) == [f"light-{n}" for n in range(9)]
    citizen.chooses("light-3")
    assert options(citizen.last) == ["confirm", "cancel"]
    citizen.taps("confirm")
    assert Complaint.objects.get().category.code == "light-3"


def test_an_unknown_row_id_shows_the_list_again(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.chooses("no-such-type")
    assert "pothole" in options(citizen.last)
    assert Conversation.objects.get().category is None


@pytest.mark.parametrize("kind", ["sticker", "audio", "voice", "video", "contacts", "document", "unsupported"])
def test_messages_we_cannot_read_get_a_polite_answer(citizen, kind):

    citizen.send(simulate.other(citizen.number, kind))
    assert "text, photos or your location" in citizen.last["body"] or "نص" in citizen.last["body"]
    assert InboundMessage.objects.get().result == "unsupported"
    assert not Complaint.objects.exists()


def test_a_reaction_needs_no_answer(citizen):

    citizen.send(simulate.other(citizen.number, "reaction"))
    assert citizen.replies == []


def test_a_file_that_is_not_a_photo_gets_the_forms_error_and_is_not_kept(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_photo(b"%PDF-1.4 not an image")
    assert "صورة" in citizen.last["body"]  # "… is not a photo we can read"
    assert Conversation.objects.get().photos == []


def test_a_photo_the_media_backend_cannot_fetch_is_asked_again(citizen):

    citizen.says("There is a deep pothole in front of the school")
    citizen.send(simulate.image(citizen.number, "missing-media-id", ts=citizen.tick()))
    assert "send it again" in citizen.last["body"]


def test_a_photo_too_large_is_refused_with_the_forms_limit(citizen, settings):
    settings.BALAGH_MAX_PHOTO_BYTES = 1024
    citizen.says("There is a deep pothole in front of the school")
    citizen.sends_photo(b"\xff\xd8" + b"0" * 5000)
    assert "larger than" in citizen.last["body"]


def test_a_greeting_is_welcomed_and_not_taken_as_the_description(citizen):
    citizen.says("السلام عليكم")
    assert "مرحب" in citizen.last["body"] or "أهلا" in citizen.last["body"]
    assert Conversation.objects.get().texts == []


def test_a_too_short_description_asks_for_more_words(citizen):
    citizen.says("Pothole")
    assert "at least 10 characters" in citizen.last["body"]
    citizen.says("in front of the mosque")
    assert "location" in citizen.last["body"].lower()


def test_invisible_characters_do_not_pad_a_description_to_the_minimum(citizen):
    """The form's minimum counts characters a reader sees; zero-width padding is not a description."""
    citizen.says("Hole" + "\u200b" * 6 + "\u200d" * 6)
    assert "at least 10 characters" in citizen.last["body"]
    assert not Conversation.objects.get().has_description


def test_an_older_location_delivered_late_does_not_replace_the_newer_one(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    old, new = citizen.tick(), citizen.tick()
    citizen.sends_location(18.31, 42.74, ts=new)
    citizen.sends_location(18.29, 42.72, ts=old)
    conversation = Conversation.objects.get()
    assert (conversation.lat, conversation.lon) == (18.31, 42.74)


def test_a_confirmation_older_than_the_last_change_asks_to_confirm_again(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.sends_location(*INSIDE)
    citizen.chooses("pothole")
    confirm_ts = citizen.tick()
    citizen.chooses("asphalt")  # changed the type after the summary
    citizen.taps("confirm", ts=confirm_ts)  # the tap on the older summary arrives late
    assert not Complaint.objects.exists()
    assert "أسفلت" in citizen.last["body"] and options(citizen.last) == ["confirm", "cancel"]
    citizen.taps("confirm")
    assert Complaint.objects.get().category.code == "asphalt"


def test_confirm_before_everything_is_given_asks_for_what_is_missing(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    citizen.taps("confirm")
    assert not Complaint.objects.exists()
    assert "الموقع" in citizen.last["body"]


def test_the_citizen_may_cancel(citizen):
    citizen.says("There is a deep pothole in front of the school")
    citizen.taps("cancel")
    assert "cancelled" in citizen.last["body"]
    assert Conversation.objects.get().status == Conversation.Status.CANCELLED
    citizen.says("Garbage left on the corner for a week")
    assert Conversation.objects.filter(status=Conversation.Status.OPEN).count() == 1


def file_one(citizen, text="حفرة كبيرة أمام المدرسة تعيق السيارات"):
    citizen.says(text)
    citizen.sends_location(*INSIDE)
    citizen.chooses("pothole")
    citizen.taps("confirm")
    return Complaint.objects.order_by("-pk").first()


@pytest.mark.parametrize("question", ["any news?", "وش صار؟", "حالة البلاغ", "Status"])
def test_asking_about_a_filed_report_gets_its_status(citizen, question):
    complaint = file_one(citizen)
    citizen.says(question)
    assert complaint.tracking_number in citizen.last["body"]
    assert complaint.get_status_display() in citizen.last["body"] or "Assigned" in citizen.last["body"]
    assert f"/track/{complaint.token}/" in citizen.last["body"]
    assert Complaint.objects.count() == 1


def test_any_message_after_filing_in_the_same_chat_gets_the_status_not_a_new_report(citizen):
    complaint = file_one(citizen)
    citizen.says("متى سيتم إصلاح الحفرة؟ الوضع خطير")
    assert complaint.tracking_number in citizen.last["body"]
    assert "«جديد»" in citizen.last["body"]  # how to file a new one
    assert Complaint.objects.count() == 1 and Conversation.objects.count() == 1


def test_new_starts_another_report_after_filing(citizen):
    file_one(citizen)
    citizen.says("بلاغ جديد")
    file_one(citizen, "نفايات متراكمة بجانب الحديقة العامة")
    assert Complaint.objects.count() == 2
    assert Complaint.objects.values("external_id").distinct().count() == 2


def test_the_status_shows_the_last_public_update(citizen):

    complaint = file_one(citizen)
    officer = make_user("roads-officer", Role.OFFICER, department=complaint.department)
    services.complaint_add_note(complaint=complaint, actor=officer, text="الفريق في الموقع غداً", public=True)
    services.complaint_add_note(complaint=complaint, actor=officer, text="internal: budget code 7", public=False)
    citizen.says("any news?")
    assert "الفريق في الموقع غداً" in citizen.last["body"]
    assert "budget" not in citizen.last["body"]


def test_a_tracking_number_in_the_message_gets_that_reports_status(citizen, make_citizen):
    complaint = file_one(citizen)
    citizen.says(f"ما حالة {complaint.tracking_number}")
    assert complaint.tracking_number in citizen.last["body"]
    stranger = make_citizen("966509999999")
    stranger.says(f"ما حالة {complaint.tracking_number}")
    assert complaint.tracking_number not in stranger.last["body"]  # another number sees nothing of it


def test_a_message_sent_before_filing_but_delivered_after_is_harmless(citizen):
    citizen.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    late_ts = citizen.tick()
    citizen.sends_location(*INSIDE)
    citizen.chooses("pothole")
    citizen.taps("confirm")
    answers = len(citizen.replies)
    citizen.says("وهي عميقة جداً", ts=late_ts)
    assert len(citizen.replies) == answers  # no answer, no new conversation
    assert InboundMessage.objects.get(result="late")
    assert Conversation.objects.count() == 1 and Complaint.objects.count() == 1


def test_two_citizens_at_once_get_their_own_conversations(make_citizen):
    a, b = make_citizen("966501111111"), make_citizen("966502222222")
    a.says("حفرة كبيرة أمام المدرسة تعيق السيارات")
    b.says("Garbage left on the corner for a week")
    a.sends_location(*INSIDE)
    b.sends_location(*INSIDE)
    a.chooses("pothole")
    b.chooses("garbage")
    a.taps("confirm")
    b.taps("confirm")
    assert sorted(Complaint.objects.values_list("reporter_phone", "category__code")) == [
        ("+966501111111", "pothole"),
        ("+966502222222", "garbage"),
    ]


def test_a_burst_processed_out_of_order_is_read_in_the_order_the_citizen_wrote_it(citizen, monkeypatch):
    """All four messages stored before any is processed, then the worker takes the confirmation first."""

    sent = [
        simulate.text(citizen.number, "حفرة كبيرة أمام المدرسة تعيق السيارات", ts=citizen.tick()),
        simulate.location(citizen.number, *INSIDE, ts=citizen.tick()),
        simulate.list_reply(citizen.number, "pothole", ts=citizen.tick()),
        simulate.button_reply(citizen.number, "confirm", ts=citizen.tick()),
    ]
    monkeypatch.setattr(intake, "enqueue", lambda ids: 0)  # the broker holds them for now
    assert citizen.post(*sent).status_code == 200
    monkeypatch.undo()
    assert InboundMessage.objects.filter(processed_at__isnull=True).count() == 4
    ids = list(InboundMessage.objects.order_by("-sent_at").values_list("pk", flat=True))  # newest first
    with citizen.capture(execute=True):
        assert tasks.process_inbound.delay(ids[0]).get() == "deferred"  # the confirmation waits
        for pk in ids[1:]:
            tasks.process_inbound.delay(pk)
    assert Complaint.objects.get().category.code == "pothole"
    assert InboundMessage.objects.filter(processed_at__isnull=True).count() == 0
    assert InboundMessage.objects.get(pk=ids[0]).result == "filed"


@pytest.mark.parametrize("media_id", ["../../etc/passwd", "*", "a/b", ""])
def test_a_media_id_that_is_a_path_or_a_pattern_reads_no_file(citizen, media_id):

    (citizen.files / "media-in" / "secret.jpg").write_bytes(b"x")
    citizen.says("There is a deep pothole in front of the school")
    citizen.send(simulate.image(citizen.number, media_id, ts=citizen.tick()))
    assert "send it again" in citizen.last["body"]
    assert Conversation.objects.get().photos == []


@pytest.mark.parametrize(
    "shape",
    [
        {"type": "text", "text": "not an object"},
        {"type": "text", "text": {"body": None}},
        {"type": "image", "image": ["x"]},
        {"type": "location", "location": {"latitude": "north", "longitude": None}},
        {"type": "location", "location": 5},
        {"type": "interactive", "interactive": "x"},
        {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": None}},
        {"type": "interactive", "interactive": {"type": "nfm_reply"}},
        {"type": "button", "button": 7},
    ],
)
def test_a_message_of_an_unexpected_shape_gets_an_answer_not_an_error(citizen, shape):
    message = {"from": citizen.number, "id": f"wamid.SHAPE{citizen.tick()}", "timestamp": str(citizen.clock), **shape}
    citizen.send(message)
    stored = InboundMessage.objects.get()
    assert stored.processed_at is not None and stored.last_error == ""
    assert citizen.last["body"]  # asked for what is missing, or told what we could not read


def test_lists_and_buttons_stay_within_whatsapps_limits(citizen, city, settings):
    """Longer titles than WhatsApp takes would make the Graph API refuse the whole message."""

    long_main = MainCategoryFactory(code="long", name_ar="الحدائق والمرافق العامة والمساحات الخضراء المفتوحة")
    CategoryFactory(code="long-sub", parent=long_main, name_ar="أرجوحة مكسورة في حديقة الحي الكبيرة قرب المسجد الجامع")
    citizen.says("الأرجوحة مكسورة وخطيرة على الأطفال")
    citizen.sends_location(*INSIDE)
    interactive = Outbox.objects.filter(template="chat").order_by("-pk").first().context["interactive"]
    assert len(interactive["action"]["button"]) <= 20
    for section in interactive["action"]["sections"]:
        assert len(section["title"]) <= 24
        for row in section["rows"]:
            assert len(row["title"]) <= 24 and len(row.get("description", "")) <= 72 and len(row["id"]) <= 200
    citizen.chooses("long-sub")
    buttons = Outbox.objects.filter(template="chat").order_by("-pk").first().context["interactive"]["action"]["buttons"]
    assert [len(b["reply"]["title"]) <= 20 for b in buttons] == [True, True]


def test_the_last_update_the_system_wrote_reads_in_the_answers_language(citizen):
    """The timeline's "sent to …" was written in Arabic when the report was filed; an English answer renders it in English."""
    complaint = file_one(citizen)
    assert complaint.events.filter(kind="routed").get().text.startswith("أُحيل إلى")
    citizen.says("Status")
    body = citizen.last["body"]
    assert "Latest update: Sent to " in body and "أُحيل" not in body


@pytest.mark.parametrize(
    ("step", "english", "arabic"),
    [
        ("started", "Work on the report has started.", "بدأ العمل على البلاغ."),
        ("closed", "Closed: Fixed.", "أغلق: "),
    ],
)
def test_the_latest_staff_step_follows_the_chat_when_it_switches_language(citizen, step, english, arabic):
    """Filed in Arabic and worked on by Arabic-speaking staff: the English chat reads the step in English, and back."""
    complaint = file_one(citizen)
    officer = make_user("roads-officer", Role.OFFICER, department=complaint.department)
    with translation.override("ar"):
        services.complaint_start(complaint=complaint, actor=officer)
        if step == "closed":
            services.complaint_resolve(complaint=complaint, actor=officer, note="تم ردم الحفرة")
            services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.FIXED)
    assert complaint.language == "ar" and arabic in complaint.events.latest("pk").text
    citizen.says("Status")
    assert f"Latest update: {english}" in citizen.last["body"] and arabic not in citizen.last["body"]
    citizen.says("ما حالة البلاغ؟")
    assert arabic in citizen.last["body"] and english not in citizen.last["body"]
