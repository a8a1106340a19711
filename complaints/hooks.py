"""What the report's services need from the apps above them, plugged in at start-up.

``complaints`` sits below ``routing``, the clock (``sla``) and ``notifications`` and never
imports them (the layers contract in pyproject.toml). Its services still need a routing
decision, due times and messages, so each of those apps plugs its implementation in here from
its ``AppConfig.ready()``. Every process that loads the apps (the site, the workers, the tests)
has all three; using a slot nothing was plugged into is a configuration error, raised loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class Decision(Protocol):
    """Who gets a report (``routing.services.RouteDecision``)."""

    department: Any
    utility: Any
    reason: str
    rule_id: int | None

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
    sync: Callable[[Iterable[int]], Any]  # the ladder's queue rows of these reports, from the reports


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
