"""``manage.py send_reminders``: the 24 h and 1 h reminders that are due, and retries of failed emails.

Run it from cron every few minutes (README). Each email is claimed in the
database before it is sent, so runs that overlap, or a run repeated every
minute, send each reminder once.
"""

from django.core.management.base import BaseCommand

from scheduling.notifications import reminders_send


class Command(BaseCommand):
    help = "Send due appointment reminders (24 h and 1 h before) and retry emails that failed."

    def handle(self, *args, **options):
        counts = reminders_send()
        self.stdout.write(f"reminders sent: {counts['reminders']}, failed emails re-sent: {counts['retried']}")
