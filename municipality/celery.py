import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "municipality.settings")

CHANNELS = Path(__file__).resolve().parent.parent / "channels"

app = Celery("balagh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each intake channel keeps its tasks in its own folder (channels/<name>/tasks.py).
app.autodiscover_tasks(
    lambda: [f"channels.{folder.name}" for folder in sorted(CHANNELS.iterdir()) if (folder / "tasks.py").exists()]
)
