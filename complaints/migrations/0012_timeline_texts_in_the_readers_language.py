"""Events written before the timeline stored messages: recover each system text's message.

The system's texts follow known patterns ("Report received through Website.", "تم استلام البلاغ
عبر الموقع."): matched in Arabic or English, the text gives back its message and values, stored as
``data["msg"]`` (complaints.event_texts), and every page then renders it in the reader's language.
A text that matches nothing (a note, a reason someone typed) is left as it is; the stored text
stays the fallback either way, so nothing is lost and running this again changes nothing.
"""

from django.db import migrations

BATCH = 2000


def recover_messages(apps, schema_editor):
    from complaints.event_texts import MESSAGES, recover

    Event = apps.get_model("complaints", "Event")
    names: dict[str, dict[str, dict]] = {}
    for key, model in (
        ("department", "municipality.Department"),
        ("utility", "municipality.Utility"),
        ("type", "complaints.Category"),
    ):
        table: dict[str, dict] = {}
        for pk, name_ar, name_en in apps.get_model(model).objects.values_list("pk", "name_ar", "name_en"):
            snapshot = {"id": pk, "ar": name_ar, "en": name_en}
            for name in (name_en, name_ar):  # the Arabic name wins where an English one reads the same
                if name:
                    table[name.strip()] = snapshot
        names[key] = table

    def find_name(arg: str, words: str):
        words = words.strip()
        if arg in ("type", "old", "new"):
            return names["type"].get(words)
        if arg == "utility":
            return names["utility"].get(words)
        return names["department"].get(words) or names["utility"].get(words)

    kinds = sorted({kind for message in MESSAGES.values() for kind in message.kinds})
    pending = Event.objects.filter(kind__in=kinds).exclude(text="").order_by("pk")
    last = 0
    while True:
        rows = list(pending.filter(pk__gt=last).only("pk", "kind", "text", "data")[:BATCH])
        if not rows:
            break
        last = rows[-1].pk
        changed = []
        for event in rows:
            data = event.data if isinstance(event.data, dict) else {}
            if "msg" in data:
                continue
            msg = recover(kind=event.kind, text=event.text, find_name=find_name)
            if msg is not None:
                event.data = {**data, "msg": msg}
                changed.append(event)
        Event.objects.bulk_update(changed, ["data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_triage_queue_and_incoming_messages"),
    ]

    operations = [migrations.RunPython(recover_messages, migrations.RunPython.noop, elidable=True)]
