import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "municipality.settings")

app = Celery("balagh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Channels keep one folder per channel, each with its own tasks module.
app.autodiscover_tasks(["channels.email", "channels.x"])
