from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SiteConfig(AppConfig):
    """Site-wide wiring that belongs to no domain app: our system checks."""

    name = "config"
    label = "site_config"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)


class OtpAdminConfig(AdminConfig):
    """``django.contrib.admin`` whose default site requires a verified second factor (config/admin.py)."""

    default_site = "config.admin.OtpAdminSite"
