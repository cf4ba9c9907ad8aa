"""Print the current one-time code of a demo account (DEBUG only).

The demo notaries and staff (seed_demo) share a published development-only TOTP
secret (``accounts.otp.DEMO_OTP_KEY``); this prints the code an authenticator app
would show now, so a developer can pass the second sign-in step.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.otp import DEMO_OTP_KEY, otp_current_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo notary or staff account (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_otp only runs with DEBUG on.")
        device = TOTPDevice.objects.filter(user__email=email.lower(), key=DEMO_OTP_KEY, confirmed=True).first()
        if device is None:
            raise CommandError(f"{email} has no demo authenticator (run `make seed`; only demo notaries and staff do).")
        self.stdout.write(otp_current_code(device=device))
