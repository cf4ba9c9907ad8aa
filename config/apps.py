from django.apps import AppConfig


class SiteConfig(AppConfig):
    """Site-wide wiring that belongs to no domain app: our system checks."""

    name = "config"
    label = "site_config"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
