"""Settings for the django-appointment peer of bench/slots.py: its own app, its own SQLite file.

django-appointment needs Django's default user model and its own app, so it runs in a
subprocess with these settings instead of sharing config.settings. ``TIME_ZONE`` is the
provider's zone: django-appointment keeps working hours and bookings as naive local times.
"""

import os

SECRET_KEY = "bench-peer-only-not-a-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = os.environ.get("PEER_TIME_ZONE", "Asia/Shanghai")
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "phonenumber_field",
    "appointment",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["PEER_SQLITE_PATH"],
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
