"""``manage.py audit_verify``: check the audit log and every notary's journal; exit 1 naming the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from notary.audit import audit_verify, journal_verify
from notary.models import AuditEvent, JournalEntry


class Command(BaseCommand):
    help = "Verify the hash chains of the audit log and the notarial journals (case N6)."

    def handle(self, *args, **options):
        for name, check in (("audit log", audit_verify), ("journal", journal_verify)):
            broken = check()
            if broken is not None:
                raise CommandError(f"{name} broken at {broken}")
        self.stdout.write(
            self.style.SUCCESS(
                f"intact: {AuditEvent.objects.count()} audit events, {JournalEntry.objects.count()} journal entries"
            )
        )
