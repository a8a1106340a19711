"""Benchmarks: ``python -m bench [names...]`` (``make bench``).

Each ``bench/bench_*.py`` module exposes ``run(ctx) -> list[Result]``. A result
is measured side by side with a baseline timed in the same run, because this
machine is noisy: the ratio is the figure to trust, the milliseconds are context.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    median_ms: float
    baseline_name: str = ""
    baseline_ms: float | None = None
    target: str = ""
    data: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline_ms:
            return None
        return self.median_ms / self.baseline_ms


def timeit(fn: Callable[[], object], *, repeat: int = 50, warmup: int = 3) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def interleaved(
    fn: Callable[[], object], baseline: Callable[[], object], *, repeat: int = 50, warmup: int = 3
) -> tuple[float, float]:
    """Median ms of ``fn`` and of ``baseline``, sampled alternately so both see the same noise."""
    for _ in range(warmup):
        fn()
        baseline()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        a.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        baseline()
        b.append((time.perf_counter() - t0) * 1000)
    return statistics.median(a), statistics.median(b)
