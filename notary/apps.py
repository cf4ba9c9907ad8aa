from django.apps import AppConfig


class NotaryConfig(AppConfig):
    name = "notary"
    default_auto_field = "django.db.models.BigAutoField"
