"""``manage.py purge_expired``: delete case files past their retention period (legal holds kept; idempotent, audited)."""

from django.core.management.base import BaseCommand

from notary.retention import purge_expired


class Command(BaseCommand):
    help = "Purge documents and recordings of closed cases whose retention period has ended."

    def handle(self, *args, **options):
        report = purge_expired()
        self.stdout.write(
            f"purged {report.files} files of {len(report.purged_cases)} cases; "
            f"{len(report.held_cases)} cases under legal hold kept"
        )
