from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks and their load generator (``manage.py generate_load``): the top layer, nothing imports it."""

    name = "bench"
