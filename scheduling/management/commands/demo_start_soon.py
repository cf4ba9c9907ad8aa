"""Demo only: move a confirmed appointment to start in a few minutes, so its room can be tried now.

Skips minimum notice and working hours on purpose (that is the point of a demo shortcut);
the database's no-overlap guarantee still applies. Refused with DEBUG off.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.models import Appointment


class Command(BaseCommand):
    help = "DEBUG only: move appointment ID to start in --minutes (default 5); its video room opens at once."

    def add_arguments(self, parser):
        parser.add_argument("appointment_id", type=int)
        parser.add_argument("--minutes", type=int, default=5)

    def handle(self, *args, appointment_id, minutes, **options):
        if not settings.DEBUG:
            raise CommandError("demo_start_soon only runs with DEBUG on.")
        start = (timezone.now() + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        with transaction.atomic():
            try:
                appointment = (
                    Appointment.objects.select_for_update()
                    .select_related("service")
                    .get(pk=appointment_id, status="confirmed")
                )
            except Appointment.DoesNotExist:
                raise CommandError(f"No confirmed appointment {appointment_id}.") from None
            service = appointment.service
            appointment.start = start
            appointment.end = start + timedelta(minutes=service.duration_minutes)
            appointment.blocked_start = start - timedelta(minutes=service.buffer_before_minutes)
            appointment.blocked_end = appointment.end + timedelta(minutes=service.buffer_after_minutes)
            appointment.sequence += 1
            try:
                appointment.save(
                    update_fields=["start", "end", "blocked_start", "blocked_end", "sequence", "updated_at"]
                )
            except IntegrityError:
                raise CommandError("Another appointment of this provider holds that time.") from None
        self.stdout.write(f"Appointment {appointment_id} now starts {start:%Y-%m-%d %H:%M} UTC; its room is open.")
