"""Timeline texts the system writes, rendered in the reader's language.

An event the system words ("Report received through Website.") stores what happened and with
what values: ``Event.data["msg"] = {"id": "received", "channel": "web"}``. Every page renders it
again in the language of whoever reads it (``Event.display_text``); ``Event.text`` keeps the words
in the language of the moment the event was written, the fallback for an unknown message and
for rows written before messages were stored. What a person typed (a note, a reason) stays as typed.

Names of departments, utilities and types are kept as they were then, in both languages
(``{"id": 3, "ar": "…", "en": "…"}``): renaming a department later does not rewrite the past.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints.workflow import ClosureReason

NAME = "name"  # a department, utility, type or person: a snapshot of both names, or plain text
ROUTE = "route"  # why routing chose the owner: {"basis": "rule" | "type" | "main_type" | "triage", "rule": id}
LINES = "lines"  # lines one under the other: each a message ({"id": …}, rendered) or words kept as they came


def _choices(name: str) -> Callable[[], type[models.TextChoices]]:
    def load() -> type[models.TextChoices]:
        from complaints import models as report_models  # the models import this module

        return getattr(report_models, name)

    return load


CHANNEL = _choices("Channel")
PRIORITY = _choices("Priority")


def CLOSURE() -> type[models.TextChoices]:
    return ClosureReason


@dataclass(frozen=True)
class Message:
    text: Any  # a lazy translation with %(name)s placeholders
    kinds: tuple[str, ...]  # the event kinds that carry it (what the migration of old rows looks at)
    args: dict[str, Any] = field(default_factory=dict)  # name -> NAME, ROUTE or a loader of TextChoices; else literal


MESSAGES: dict[str, Message] = {
    "received": Message(_("Report received through %(channel)s."), ("created",), {"channel": CHANNEL}),
    "routed": Message(_("Sent to %(owner)s (%(reason)s)."), ("routed",), {"owner": NAME, "reason": ROUTE}),
    "routed_to": Message(_("Sent to %(owner)s."), ("routed",), {"owner": NAME}),
    "triaged": Message(_("Type recorded: %(type)s."), ("triaged",), {"type": NAME}),
    "no_text": Message(_("(no text; see the photos)"), ("citizen_message",)),
    "assigned": Message(_("Assigned to %(owner)s."), ("assigned",), {"owner": NAME}),
    "acknowledged": Message(_("%(utility)s acknowledged the report."), ("acknowledged",), {"utility": NAME}),
    "started": Message(_("Work on the report has started."), ("started",)),
    "utility_started": Message(_("%(utility)s started work on the report."), ("started",), {"utility": NAME}),
    "resumed": Message(_("Work on the report has resumed."), ("resumed",)),
    "closed": Message(_("Closed: %(reason)s."), ("closed",), {"reason": CLOSURE}),
    "auto_closed": Message(_("Closed automatically: no reply from the citizen."), ("closed",)),
    "duplicate_closed": Message(
        _("The original report %(number)s about the same problem was closed: %(reason)s."), ("closed",), {"reason": CLOSURE}
    ),
    "merged_note": Message(
        _("The same problem was already reported as %(number)s; we follow it up there and you will receive its updates."),
        ("closed",),
    ),
    "duplicate_reopened": Message(_("The original report %(number)s was reopened, so this one is open again."), ("reopened",)),
    "priority": Message(_("Priority changed from %(old)s to %(new)s."), ("priority",), {"old": PRIORITY, "new": PRIORITY}),
    "type_changed": Message(_("Type changed from %(old)s to %(new)s."), ("category",), {"old": NAME, "new": NAME}),
    "followed": Message(_("Another citizen reported the same problem and now follows this report."), ("followed",)),
    "merged_into": Message(_("Merged into %(number)s."), ("merged",)),
    "merged_from": Message(_("%(number)s was merged into this report."), ("merged",)),
    "at_risk": Message(_("At risk: most of the resolution time has passed."), ("at_risk",)),
    "response_late": Message(_("Response time passed without a response; the department head was told."), ("escalated",)),
    "escalated_1": Message(_("Escalated to level 1: the department head."), ("escalated",)),
    "escalated_2": Message(_("Escalated to level 2: the follow-up committee."), ("escalated",)),
    "escalated_3": Message(_("Escalated to level 3: the mayor."), ("escalated",)),
    # A system note of several lines (``say("lines", lines=[say(…), "words as they came", …])``).
    "lines": Message("%(lines)s", (), {"lines": LINES}),
    "citizen_chose_type": Message(_("Type chosen by the citizen: %(type)s."), (), {"type": NAME}),
    "citizen_sent_location": Message(_("Location sent by the citizen."), ()),
    "open311_filed": Message(_("Filed through Open311 by “%(name)s”."), ()),
    "open311_photo": Message(_("Photo at: %(url)s"), ()),
    "open311_device": Message(_("Device: %(device)s"), ()),
    "open311_account": Message(_("Account: %(account)s"), ()),
}

ROUTE_REASONS = {
    "type": _("Default department of the category"),
    "main_type": _("Default department of the main type"),
    "triage": _("No owner found: triage queue"),
}
RULE_REASON = _("Routing rule #%(id)s")
OLD_RULE_REASON = _("Routing rule #%(id)s: %(rule)s")  # the words routing wrote before reasons were stored


class Said(str):
    """A system text: its words in the active language (stored as ``Event.text``) and ``msg``,
    what renders them again in any language. ``event_record`` stores ``msg`` in the event's data."""

    msg: dict

    def strip(self, chars=None) -> Said:  # type: ignore[override]  # callers strip notes; a system text stays itself
        return self


def say(message_id: str, **values: Any) -> Said:
    """``say("received", channel=complaint.channel)``: the text, in the active language, that renders anew later."""
    if message_id not in MESSAGES:
        raise KeyError(message_id)
    msg = {"id": message_id, **{name: _snapshot(value) for name, value in values.items()}}
    said = Said(render(msg) or "")
    said.msg = msg
    return said


def _snapshot(value: Any) -> Any:
    if hasattr(value, "name_ar") and hasattr(value, "pk"):  # a BilingualName row
        return {"id": value.pk, "ar": value.name_ar, "en": value.name_en}
    if isinstance(value, (dict, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)):  # LINES: a line said with say() keeps its message
        return [item.msg if isinstance(item, Said) else _snapshot(item) for item in value]
    return str(value)


def _name(value: Any) -> str:
    if isinstance(value, dict):
        if (get_language() or "ar").startswith("en") and value.get("en"):
            return str(value["en"])
        return str(value.get("ar") or value.get("en") or "")
    return "—" if value is None else str(value)


def _route(value: Any) -> str:
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    basis = value.get("basis")
    if basis == "rule":
        return str(RULE_REASON) % {"id": value.get("rule")}
    if basis in ROUTE_REASONS:
        return str(ROUTE_REASONS[basis])
    return str(value.get("text") or "")


def _lines(value: Any) -> str:
    if not isinstance(value, list):
        return "" if value is None else str(value)
    return "\n".join((render(line) or "") if isinstance(line, dict) else str(line) for line in value)


def _value(kind: Any, value: Any) -> str:
    if kind == NAME:
        return _name(value)
    if kind == ROUTE:
        return _route(value)
    if kind == LINES:
        return _lines(value)
    if callable(kind):
        choices = kind()
        return str(choices(value).label) if value in choices.values else str(value or "")
    return "" if value is None else str(value)


def render(msg: Any) -> str | None:
    """The text of ``msg`` in the active language; ``None`` if it is not a message this code knows."""
    if not isinstance(msg, dict):
        return None
    message = MESSAGES.get(msg.get("id"))  # type: ignore[arg-type]
    if message is None:
        return None
    values = {name: _value(message.args.get(name), value) for name, value in msg.items() if name != "id"}
    try:
        return str(message.text) % values
    except (KeyError, TypeError, ValueError):
        return None


def shown_text(text: str, data: Any) -> str:
    """What a reader sees of an event with this ``text`` and ``data``: its message in their language, else the text."""
    return render(data.get("msg") if isinstance(data, dict) else None) or text or ""


def display_text(event) -> str:
    return shown_text(event.text, event.data)


# --------------------------------------------------------------------------- rows written before messages were stored


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


def _recover_value(name: str, kind: Any, text: str, find_name: Callable[[str, str], Any], languages: tuple[str, ...]) -> Any:
    if kind == NAME:
        return find_name(name, text) or text
    if kind == ROUTE:
        for language in languages:
            with translation.override(language):
                rule = _pattern(str(OLD_RULE_REASON)).match(text) or _pattern(str(RULE_REASON)).match(text)
                if rule and rule.group("id").isdigit():
                    return {"basis": "rule", "rule": int(rule.group("id"))}
                for basis, reason in ROUTE_REASONS.items():
                    if text == str(reason):
                        return {"basis": basis}
        return {"text": text}
    if callable(kind):
        for choice in kind():
            for language in languages:
                with translation.override(language):
                    if text == str(choice.label):
                        return choice.value
        return None
    return text


@functools.cache
def _patterns(language: str) -> dict[str, list[tuple[str, Message, re.Pattern]]]:
    """Per event kind, each message's text in ``language`` as a pattern capturing its values."""
    by_kind: dict[str, list[tuple[str, Message, re.Pattern]]] = {}
    with translation.override(language):
        for message_id, message in MESSAGES.items():
            for kind in message.kinds:
                by_kind.setdefault(kind, []).append((message_id, message, _pattern(str(message.text))))
    return by_kind


def recover(
    *, kind: str, text: str, find_name: Callable[[str, str], Any], languages: tuple[str, ...] = ("ar", "en")
) -> dict | None:
    """The message an old event's text was written from, or ``None`` (the text then stays what is shown).

    ``find_name(arg, words)`` returns the snapshot of the department, utility or type so named
    (``arg`` is the placeholder: owner, utility, type, old, new), or ``None``.
    """
    text = (text or "").strip()
    for language in languages:
        for message_id, message, pattern in _patterns(language).get(kind, []):
            match = pattern.match(text)
            if match is None:
                continue
            msg: dict = {"id": message_id}
            for name, words in match.groupdict().items():
                value = _recover_value(name, message.args.get(name), words, find_name, languages)
                if value is None:
                    break
                msg[name] = value
            else:
                return msg
    return None
