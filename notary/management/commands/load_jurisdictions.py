"""``manage.py load_jurisdictions [path]``: upsert jurisdiction rules from a JSON file (default: the shipped one)."""

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from notary.rules import FIXTURE, jurisdictions_load


class Command(BaseCommand):
    help = "Load jurisdiction rules (matter types, document kinds, reason codes, fees, retention) from JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(FIXTURE))

    def handle(self, *args, path, **options):
        with transaction.atomic():
            counts = jurisdictions_load(apps=apps, path=Path(path))
        self.stdout.write(", ".join(f"{value} {key}" for key, value in counts.items()))
