"""Run the benchmarks and print a table.

    python -m bench                 # all bench/bench_*.py modules
    python -m bench routing sweep   # only those whose module name contains a word

The database is the one in DATABASE_URL (BENCH_DATABASE_URL wins when set), so
``BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/balagh_bench make bench``
measures PostgreSQL. Modules that need a large data set fill it with
``generate_load`` when it is missing.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "municipality.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    words = [a for a in argv if not a.startswith("-")]
    modules = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if words:
        modules = [m for m in modules if any(w in m for w in words)]
    rows = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"… {name}", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print(f"\nDatabase: {connection.vendor} ({connection.settings_dict['NAME']})\n")
    header = f"| {'benchmark':<48} | {'data':<28} | {'median ms':>10} | {'baseline':<30} | {'base ms':>9} | {'ratio':>7} | {'target':<24} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        base = f"{r.baseline_ms:.3f}" if r.baseline_ms is not None else ""
        print(
            f"| {r.name:<48} | {r.data:<28} | {r.median_ms:>10.3f} | {r.baseline_name:<30} | {base:>9} | {ratio:>7} | {r.target:<24} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
