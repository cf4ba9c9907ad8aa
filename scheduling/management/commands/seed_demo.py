"""Demo data for a local try-out: Taiyuan offices, lawyers, notaries, services and two overseas clients.

Idempotent: running it again updates the same rows. Refused with DEBUG off, so
it can never seed a production database.
"""

import os
from datetime import date, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import LegalAidGroup, Role, User
from accounts.otp import otp_demo_device_ensure, user_requires_otp
from scheduling.models import AvailabilityOverride, AvailabilityRule, Organization, Provider, ServiceType

SHANGHAI = "Asia/Shanghai"
SERVICES = [
    dict(
        code="free-consultation",
        name="Free legal consultation",
        name_zh="免费法律咨询",
        provider_kind="lawyer",
        duration_minutes=30,
        buffer_after_minutes=0,
        minimum_notice_minutes=120,
        booking_window_days=60,
        fee=0,
        legal_aid_free=True,
    ),
    dict(
        code="legal-aid-intake",
        name="Legal aid intake",
        name_zh="法律援助受理",
        provider_kind="lawyer",
        duration_minutes=45,
        buffer_after_minutes=15,
        minimum_notice_minutes=240,
        booking_window_days=60,
        slot_interval_minutes=60,
        fee=0,
        legal_aid_free=True,
    ),
    dict(
        code="remote-notarization",
        name="Remote video notarization",
        name_zh="远程视频公证",
        provider_kind="notary",
        duration_minutes=45,
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        minimum_notice_minutes=1440,
        booking_window_days=60,
        slot_interval_minutes=60,
        fee=200,
        currency="CNY",
        max_participants=4,
    ),
]
LAWYERS = [
    ("lawyer.wang@demo.lexmeet.local", "王律师 Wang Li", ["zh-hans", "en"], ["family", "labour"]),
    ("lawyer.zhao@demo.lexmeet.local", "赵律师 Zhao Min", ["zh-hans"], ["labour", "migrant_workers"]),
    ("lawyer.chen@demo.lexmeet.local", "陈律师 Chen Jie", ["zh-hans", "en"], ["elderly", "inheritance"]),
]
NOTARIES = [
    ("notary.li@demo.lexmeet.local", "李公证员 Li Hua", ["zh-hans", "en"]),
    ("notary.sun@demo.lexmeet.local", "孙公证员 Sun Yan", ["zh-hans"]),
]
CLIENTS = [
    ("client.ny@demo.lexmeet.local", "Zhang Wei (New York)", "America/New_York", "en", LegalAidGroup.NONE),
    ("client.berlin@demo.lexmeet.local", "Liu Fang (Berlin)", "Europe/Berlin", "zh-hans", LegalAidGroup.NONE),
    ("client.elderly@demo.lexmeet.local", "王大爷 Wang Daye", SHANGHAI, "zh-hans", LegalAidGroup.ELDERLY),
]
# Weekday office hours in Taiyuan, with a lunch break.
WEEKLY = [(day, time(9, 0), time(12, 0)) for day in range(1, 6)] + [
    (day, time(14, 0), time(17, 30)) for day in range(1, 6)
]
# Public holidays (closed), keyed by Taiyuan's local date.
HOLIDAYS = [date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9)]


class Command(BaseCommand):
    help = "Load demo organizations, providers, services and clients (DEBUG only, idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it must never touch a production database.")
        password = os.environ.get("DEMO_PASSWORD", "lexmeet-demo-2026")
        with transaction.atomic():
            self._seed(password)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo account's password: {password}"))
        for user in User.objects.filter(email__endswith="@demo.lexmeet.local").order_by("role", "email"):
            extra = f" provider id {user.provider.pk}" if hasattr(user, "provider") else ""
            if user_requires_otp(user):
                # No token that skips the second factor: POST /api/v1/auth/token/ with `otp` issues one.
                Token.objects.filter(user=user).delete()
                token = "(sign in with otp)"
            else:
                token = Token.objects.get_or_create(user=user)[0].key
            self.stdout.write(f"  {user.role:7} {user.email:38} {user.timezone:17} token {token}{extra}")
        self.stdout.write(
            "Notaries and staff sign in with a second factor: the current code is"
            " `DEBUG=1 .venv/bin/python manage.py demo_otp EMAIL` (a published demo-only secret)."
        )

    def _user(self, email, password, **fields):
        user, created = User.objects.update_or_create(email=email, defaults=fields)
        if created or not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def _seed(self, password):
        centre, _ = Organization.objects.update_or_create(
            name="太原市法律援助中心 Taiyuan Legal Aid Centre",
            defaults=dict(
                kind="legal_aid_centre",
                region="Shanxi, Taiyuan",
                timezone=SHANGHAI,
                email="legal-aid@demo.lexmeet.local",
            ),
        )
        office, _ = Organization.objects.update_or_create(
            name="太原市公证处 Taiyuan Notary Office",
            defaults=dict(
                kind="notary_office",
                region="Shanxi, Taiyuan",
                timezone=SHANGHAI,
                email="notary-office@demo.lexmeet.local",
            ),
        )
        services = {}
        for spec in SERVICES:
            spec = dict(spec)
            code = spec.pop("code")
            services[code] = ServiceType.objects.update_or_create(code=code, defaults=spec)[0]
        providers = []
        for email, name, languages, areas in LAWYERS:
            user = self._user(email, password, full_name=name, timezone=SHANGHAI, language="zh-hans", role=Role.LAWYER)
            provider, _ = Provider.objects.update_or_create(
                user=user,
                defaults=dict(
                    kind="lawyer", organization=centre, timezone=SHANGHAI, languages=languages, practice_areas=areas
                ),
            )
            provider.services.set([services["free-consultation"], services["legal-aid-intake"]])
            providers.append(provider)
        for email, name, languages in NOTARIES:
            user = self._user(email, password, full_name=name, timezone=SHANGHAI, language="zh-hans", role=Role.NOTARY)
            provider, _ = Provider.objects.update_or_create(
                user=user,
                defaults=dict(
                    kind="notary",
                    organization=office,
                    timezone=SHANGHAI,
                    languages=languages,
                    practice_areas=["notarization"],
                ),
            )
            provider.services.set([services["remote-notarization"]])
            providers.append(provider)
        for provider in providers:
            provider.availability_rules.all().delete()
            provider.availability_overrides.all().delete()
            AvailabilityRule.objects.bulk_create(
                AvailabilityRule(provider=provider, weekday=d, start_time=s, end_time=e) for d, s, e in WEEKLY
            )
            AvailabilityOverride.objects.bulk_create(
                AvailabilityOverride(provider=provider, date=day, available=False) for day in HOLIDAYS
            )
        for email, name, zone, language, group in CLIENTS:
            self._user(
                email,
                password,
                full_name=name,
                timezone=zone,
                language=language,
                role=Role.CLIENT,
                legal_aid_group=group,
            )
        from notary.demo import notary_demo_seed

        notary_demo_seed(office=office)
        self._user(
            "staff@demo.lexmeet.local",
            password,
            full_name="Demo Staff",
            timezone=SHANGHAI,
            role=Role.STAFF,
            is_staff=True,
            is_superuser=True,
        )
        for user in User.objects.filter(email__endswith="@demo.lexmeet.local"):
            if user_requires_otp(user):  # notaries and staff: the published demo secret (demo_otp prints codes)
                otp_demo_device_ensure(user=user)
