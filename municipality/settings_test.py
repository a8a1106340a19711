"""Settings for the test suite: the real settings plus fast hashing, eager Celery and throw-away files."""

import copy
import os
import tempfile

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("BALAGH_VAR_DIR", tempfile.mkdtemp(prefix="balagh-test-"))

from municipality.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/min"}}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise looks for it)
BALAGH_ROUTING_RECHECK_SECONDS = 0  # tests change rules and districts and route at once
# On PostgreSQL the suite has a replica alias too: the test database itself, reached through a
# read-only role (tests/reports/test_replica.py creates the role and names it), so a write that
# strays there fails. Only the tests that switch BALAGH_READ_REPLICA on read from it: the others
# write and read inside one transaction of the default connection, which another session cannot see.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["replica"] = {  # noqa: F405
        **copy.deepcopy(DATABASES["default"]),  # noqa: F405
        "USER": "balagh_replica_role_not_created",
        "PASSWORD": "",
        # Mirrors get the test database's NAME and are never flushed; the USER stays the read-only role.
        "TEST": {"MIRROR": "default"},
    }
BALAGH_READ_REPLICA = ""
