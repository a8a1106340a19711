"""The default message texts (seeded into MessageTemplate; editable in the admin afterwards).

Plain data, so the data migration can import it. Django template syntax; the
context keys are listed in docs/sla.md.
"""

# code -> language -> (e-mail subject, text). The same text goes by SMS and e-mail.
DEFAULT_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "created": {
        "ar": (
            "تم استلام بلاغك {{ tracking_number }}",
            "بلدية خميس مشيط: تم استلام بلاغك رقم {{ tracking_number }} ({{ category }}). "
            "{% if expected_by %}الموعد المتوقع للمعالجة: {{ expected_by }}. {% endif %}تابع بلاغك: {{ link }}",
        ),
        "en": (
            "Your report {{ tracking_number }} was received",
            "Khamis Mushait Municipality: your report {{ tracking_number }} ({{ category }}) was received. "
            "{% if expected_by %}Expected by {{ expected_by }}. {% endif %}Follow it here: {{ link }}",
        ),
    },
    "in_progress": {
        "ar": (
            "بلاغك {{ tracking_number }} قيد المعالجة",
            "بلاغك رقم {{ tracking_number }} قيد المعالجة الآن لدى {{ department }}. التفاصيل: {{ link }}",
        ),
        "en": (
            "Your report {{ tracking_number }} is in progress",
            "Work on your report {{ tracking_number }} has started ({{ department }}). Details: {{ link }}",
        ),
    },
    "resolved": {
        "ar": (
            "تمت معالجة بلاغك {{ tracking_number }}",
            "تمت معالجة بلاغك رقم {{ tracking_number }}. نرجو تقييم الخدمة أو إعادة فتح البلاغ إن لم تُحل المشكلة: {{ rating_link }}",
        ),
        "en": (
            "Your report {{ tracking_number }} was resolved",
            "Your report {{ tracking_number }} has been resolved. Please rate the work, or reopen it if the problem "
            "is still there: {{ rating_link }}",
        ),
    },
    "closed": {
        "ar": (
            "تم إغلاق بلاغك {{ tracking_number }}",
            "تم إغلاق بلاغك رقم {{ tracking_number }}{% if reason %} ({{ reason }}){% endif %}. شكراً لتواصلك مع البلدية. {{ link }}",
        ),
        "en": (
            "Your report {{ tracking_number }} was closed",
            "Your report {{ tracking_number }} was closed{% if reason %} ({{ reason }}){% endif %}. "
            "Thank you for contacting the municipality. {{ link }}",
        ),
    },
    "reopened": {
        "ar": ("أعيد فتح بلاغك {{ tracking_number }}", "أعيد فتح بلاغك رقم {{ tracking_number }} وعاد إلى المعالجة. {{ link }}"),
        "en": (
            "Your report {{ tracking_number }} was reopened",
            "Your report {{ tracking_number }} was reopened and is back in progress. {{ link }}",
        ),
    },
    "assigned": {
        "ar": (
            "بلاغ جديد لديكم: {{ tracking_number }}",
            "أحيل إليكم البلاغ {{ tracking_number }} ({{ category }}) — {{ department }}. "
            "{% if due %}موعد المعالجة: {{ due }}. {% endif %}{{ admin_link }}",
        ),
        "en": (
            "New report for you: {{ tracking_number }}",
            "Report {{ tracking_number }} ({{ category }}) was assigned to {{ department }}. "
            "{% if due %}Due {{ due }}. {% endif %}{{ admin_link }}",
        ),
    },
    "at_risk": {
        "ar": (
            "تنبيه: البلاغ {{ tracking_number }} يقترب من تجاوز المهلة",
            "تنبيه: البلاغ {{ tracking_number }} ({{ category }}) يقترب من تجاوز مهلة المعالجة ({{ due }}). {{ admin_link }}",
        ),
        "en": (
            "Warning: report {{ tracking_number }} is at risk of breach",
            "Warning: report {{ tracking_number }} ({{ category }}) is close to its resolution deadline ({{ due }}). "
            "{{ admin_link }}",
        ),
    },
    "escalated": {
        "ar": (
            "تصعيد (المستوى {{ level }}): البلاغ {{ tracking_number }}",
            "تصعيد من المستوى {{ level }}: البلاغ {{ tracking_number }} ({{ category }}) لدى {{ department }} "
            "تجاوز مهلة المعالجة ({{ due }}). {{ admin_link }}",
        ),
        "en": (
            "Escalation level {{ level }}: report {{ tracking_number }}",
            "Escalation level {{ level }}: report {{ tracking_number }} ({{ category }}) with {{ department }} "
            "is past its resolution deadline ({{ due }}). {{ admin_link }}",
        ),
    },
    "response_late": {
        "ar": (
            "لم تتم الاستجابة للبلاغ {{ tracking_number }}",
            "لم يبدأ العمل على البلاغ {{ tracking_number }} ({{ category }}) لدى {{ department }} "
            "حتى انقضاء مهلة الاستجابة ({{ due }}). {{ admin_link }}",
        ),
        "en": (
            "No response yet on report {{ tracking_number }}",
            "Nobody has started on report {{ tracking_number }} ({{ category }}) with {{ department }} "
            "within the response time ({{ due }}). {{ admin_link }}",
        ),
    },
    # One message instead of many, when a sweep takes more than BALAGH_ESCALATION_DIGEST_OVER reports
    # for the same person at once. step: at_risk | response | level1 | level2 | level3.
    "escalation_digest": {
        "ar": (
            "{{ count }} بلاغًا: {% if step == 'at_risk' %}تقترب من تجاوز المهلة{% elif step == 'response' %}"
            "دون استجابة{% else %}تصعيد المستوى {{ level }}{% endif %}",
            "{% if step == 'at_risk' %}تنبيه: {{ count }} بلاغًا{% if department %} لدى {{ department }}{% endif %} "
            "تقترب من تجاوز مهلة المعالجة"
            "{% elif step == 'response' %}لم يبدأ العمل على {{ count }} بلاغًا{% if department %} لدى "
            "{{ department }}{% endif %} حتى انقضاء مهلة الاستجابة"
            "{% else %}تصعيد من المستوى {{ level }}: {{ count }} بلاغًا{% if department %} لدى {{ department }}"
            "{% endif %} تجاوزت مهلة المعالجة{% endif %}، منها: {{ tracking_numbers }}"
            "{% if more %} و{{ more }} غيرها{% endif %}. القائمة: {{ admin_link }}",
        ),
        "en": (
            "{{ count }} reports: {% if step == 'at_risk' %}at risk{% elif step == 'response' %}no response yet"
            "{% else %}escalation level {{ level }}{% endif %}",
            "{% if step == 'at_risk' %}Warning: {{ count }} reports{% if department %} with {{ department }}{% endif %} "
            "are close to their resolution deadline"
            "{% elif step == 'response' %}Nobody has started on {{ count }} reports{% if department %} with "
            "{{ department }}{% endif %} within the response time"
            "{% else %}Escalation level {{ level }}: {{ count }} reports{% if department %} with {{ department }}"
            "{% endif %} are past their resolution deadline{% endif %}, including {{ tracking_numbers }}"
            "{% if more %} and {{ more }} more{% endif %}. The list: {{ admin_link }}",
        ),
    },
    # WhatsApp only: a public update from staff, and the conversation's own answers (written by channels.whatsapp).
    "update": {
        "ar": ("تحديث على بلاغك {{ tracking_number }}", "تحديث على بلاغك رقم {{ tracking_number }}: {{ text }} {{ link }}"),
        "en": (
            "Update on your report {{ tracking_number }}",
            "Update on your report {{ tracking_number }}: {{ text }} {{ link }}",
        ),
    },
    "chat": {"ar": ("", "{{ text }}"), "en": ("", "{{ text }}")},
    "phone_code": {
        "ar": (
            "رمز التحقق {{ code }}",
            "بلاغ: رمز التحقق {{ code }} صالح لمدة {{ minutes }} دقائق. لا تشاركه مع أحد. إن لم تطلبه فتجاهل هذه الرسالة.",
        ),
        "en": (
            "Your code {{ code }}",
            "Balagh: your code is {{ code }}, valid for {{ minutes }} minutes. Do not share it. "
            "If you did not ask for it, ignore this message.",
        ),
    },
}

# Texts that carry a secret: the outbox keeps neither their context nor their text once sent.
SECRET_TEMPLATES = frozenset({"phone_code"})
# Added to every message to a follower when its template lost the stop link (templates are editable).
STOP_LINE = {
    "ar": "لإيقاف رسائل هذا البلاغ: {{ stop_link }}",
    "en": "To stop this report's messages: {{ stop_link }}",
}
# Texts that are not seeded as editable templates: the conversation writes its own.
NOT_SEEDED = {"chat"}


def seed_templates(message_template_model) -> None:
    """Create the missing (code, channel, language) rows; never overwrites an edited text."""
    for code, languages in DEFAULT_TEXTS.items():
        if code in NOT_SEEDED:
            continue
        for language, (subject, body) in languages.items():
            for channel in ("sms", "email"):
                message_template_model.objects.get_or_create(
                    code=code,
                    channel=channel,
                    language=language,
                    defaults={"subject": subject if channel == "email" else "", "body": body},
                )
