"""python manage.py generate_load --complaints N [--batch 50000] [--seed S] [--shape recent|steady] [--order random|arrival]
[--days 365]

Fills the database with realistic reports for the benchmarks (:mod:`bench.load`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bench.load import ORDERS, SHAPES, generate_load


class Command(BaseCommand):
    help = "Fill the database with N realistic reports for benchmarks (bulk inserts; COPY on PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=int, required=True, help="How many reports to add.")
        parser.add_argument("--batch", type=int, default=50000, help="Reports per transaction (default 50000).")
        parser.add_argument(
            "--days",
            type=int,
            default=365,
            help="Spread the reports over this many days before now (default 365). A month holds at most "
            "900,000 generated reports (its tracking numbers have six digits).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a repeatable data set.")
        parser.add_argument(
            "--shape",
            choices=sorted(SHAPES),
            default="recent",
            help="recent (default): recent weeks busier than old ones; steady: the same every week of the year.",
        )
        parser.add_argument(
            "--order",
            choices=ORDERS,
            default="random",
            help="random (default): rows written in no particular order of time; arrival: oldest first, "
            "as a live system writes them (the table's pages then follow the time).",
        )

    def handle(
        self,
        *args: Any,
        complaints: int,
        batch: int,
        seed: int | None,
        shape: str = "recent",
        order: str = "random",
        days: int = 365,
        **options: Any,
    ) -> None:
        if complaints < 1:
            raise CommandError(_("--complaints must be at least 1."))
        if batch < 1:
            raise CommandError(_("--batch must be at least 1."))
        if shape not in SHAPES:
            raise CommandError(_("--shape must be one of: %(shapes)s.") % {"shapes": ", ".join(sorted(SHAPES))})
        if days < 1:
            raise CommandError(_("--days must be at least 1."))
        if order not in ORDERS:
            raise CommandError(_("--order must be random or arrival."))
        generate_load(complaints=complaints, batch=batch, seed=seed, shape=shape, order=order, days=days, stdout=self.stdout)
