"""What the report's services need from the apps above them, plugged in at start-up.

``complaints`` sits below ``routing``, the clock (``sla``) and ``notifications`` and never
imports them (the layers contract in pyproject.toml). Its services still need a routing
decision, due times, messages and one-time codes, so each of those apps plugs its implementation in here from
its ``AppConfig.ready()``. Every process that loads the apps (the site, the workers, the tests)
has all three; using a slot nothing was plugged into is a configuration error, raised loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class Decision(Protocol):
    """Who gets a report (``routing.rules.RouteDecision``)."""

    department: Any
    utility: Any
    reason: str
    rule_id: int | None
    basis: str  # "rule", "type", "main_type" or "triage": the reason, for texts rendered in any language

    @property
    def owner(self) -> Any: ...


@dataclass(frozen=True)
class Router:
    """``decide(category=, district_id=)``: who gets a report of this type at this place."""

    decide: Callable[..., Decision]


@dataclass(frozen=True)
class Clock:
    """The SLA clock (``sla``): each returns the report fields to write, or keeps its queue in line."""

    due_times: Callable[..., dict]  # (category=, priority=, start=) -> every due time and threshold
    hold_pushback: Callable[..., dict]  # (complaint, now=) -> thresholds moved later by the time on hold
    fresh_ladder: Callable[[], dict]  # a new owner starts the ladder again
    sync: Callable[..., Any]  # (ids, new=False) the ladder's queue rows of these reports, from the reports


@dataclass(frozen=True)
class Notifier:
    """``complaint_event(complaint=, kind=)``: the messages of one change, written to the outbox in its transaction.

    A caller that must write them later in its transaction builds them first
    (``messages(complaint=, kind=, event=, new_report=)``, each with a ``context`` dict) and writes them
    with ``write(messages=, new_report=)``.
    """

    complaint_event: Callable[..., None]
    messages: Callable[..., list]
    write: Callable[..., Any]


@dataclass(frozen=True)
class ReporterCodes:
    """One-time codes by SMS proving a citizen holds a mobile, for "my reports" (``notifications.verification``).

    ``allowed(client=, phone=)`` counts one request against the per-address and per-number limits;
    ``send(phone=, language=)`` queues a code; ``confirm(phone=, code=)`` raises ``ValidationError``
    (translated) unless the code is the latest one sent, unexpired, unused and not over-tried.
    """

    allowed: Callable[..., bool]
    send: Callable[..., Any]
    confirm: Callable[..., Any]


T = TypeVar("T")


class Slot(Generic[T]):
    def __init__(self, what: str):
        self._what = what
        self._value: T | None = None

    def plug(self, value: T) -> None:
        self._value = value

    def __call__(self) -> T:
        if self._value is None:
            raise ImproperlyConfigured(f"Nothing provides the {self._what}: is its app in INSTALLED_APPS?")
        return self._value


router: Slot[Router] = Slot("routing decision (routing)")
clock: Slot[Clock] = Slot("SLA clock (sla)")
notifier: Slot[Notifier] = Slot("messages (notifications)")
reporter_codes: Slot[ReporterCodes] = Slot("one-time codes to a citizen's mobile (notifications)")


class Erasers:
    """Every app's part of the PDPL retention: ``erase(reports)`` blanks what the app keeps of these
    reports' citizens (numbers, names, addresses, raw payloads), set-based, inside the retention's
    transaction, before the reports themselves are blanked. Unlike a slot, any number of apps plug
    in (each under its own name, so a second ``ready()`` replaces rather than doubles), and none is
    needed: a deployment without a channel has nothing of that channel to erase."""

    def __init__(self) -> None:
        self._by_name: dict[str, Callable[[Any], Any]] = {}

    def plug(self, name: str, erase: Callable[[Any], Any]) -> None:
        self._by_name[name] = erase

    def __iter__(self):
        return iter(self._by_name.items())


retention_erasers = Erasers()
