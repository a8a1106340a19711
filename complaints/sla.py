"""Due times for a report from its category's targets and its priority."""
from __future__ import annotations

from datetime import datetime, timedelta

PRIORITY_FACTOR = {"urgent": 0.25, "high": 0.5, "normal": 1.0, "low": 2.0}


def due_times(*, category, priority: str, start: datetime) -> tuple[datetime, datetime]:
    factor = PRIORITY_FACTOR.get(priority, 1.0)
    response = start + timedelta(hours=category.response_hours * factor)
    resolution = start + timedelta(hours=category.resolution_hours * factor)
    return response, resolution
