"""Create an appointment that is on right now between a demo lawyer and a demo client, and print its room URL.

For a local try-out after ``make seed`` (DEBUG only): open the printed URL in two
browsers, logged in as each of the two people it names.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone as dj_timezone

from accounts.models import Role, User
from scheduling.models import Appointment, Provider, ProviderKind
from video.services import room_create_for_appointment


class Command(BaseCommand):
    help = "Create a demo appointment happening now and print its video room URL (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--notary", action="store_true", help="A notarization (lobby on) instead of a consultation."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("video_demo_room only runs with DEBUG on.")
        kind = ProviderKind.NOTARY if options["notary"] else ProviderKind.LAWYER
        provider = Provider.objects.filter(kind=kind, is_active=True).select_related("user").first()
        client = User.objects.filter(role=Role.CLIENT).order_by("id").first()
        if provider is None or client is None or not provider.services.exists():
            raise CommandError("Run `make seed` first.")
        service = provider.services.first()
        start = dj_timezone.now().replace(second=0, microsecond=0)
        end = start + timedelta(minutes=service.duration_minutes)
        with transaction.atomic():
            # A demo shortcut around the slot rules (minimum notice would refuse "now").
            appointment = Appointment.objects.create(
                provider=provider,
                service=service,
                client=client,
                start=start,
                end=end,
                blocked_start=start,
                blocked_end=end,
                client_timezone=client.timezone,
            )
            room = room_create_for_appointment(appointment=appointment)
        self.stdout.write(f"{settings.SITE_URL}/rooms/{room.room_id}/")
        self.stdout.write(f"host: {provider.user.email}  client: {client.email}")
