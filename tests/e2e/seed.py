"""What a province has set up before the first applicant arrives; prints JSON for the journey.

Run in the live servers' environment:
``manage.py shell -c "from tests.e2e.seed import prepare; prepare()"`` (migrates first). Creates the Taiyuan
Notary Office (China's overseas programme) with notary Li, a legal aid centre with lawyer
Wang, and Grandma Zhao (elderly legal-aid group, Chinese UI, already registered at the
centre's desk). Li has an enrolled TOTP device. Prints ``{"password", "office",
"notary": {email, provider, service, otp_key},
"lawyer": {...}, "elder": {email}}``.

The services have no minimum notice and 5-minute steps, and the providers' hours are a
window around the present: so a slot starts within a few minutes and its room (open 15
minutes before the start) is open at once. The journey books through the
real slot engine; nothing moves an appointment behind its back.
"""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone as dj_timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def window_around_now() -> list[tuple]:
    """One weekly window in Asia/Shanghai from 30 minutes ago (on a quarter hour) to 4 hours later.

    ``[(iso_weekday, start, end)]``; past midnight the end is earlier than the start, which
    the schedule reads as running into the next day.
    """
    local = dj_timezone.now().astimezone(SHANGHAI) - timedelta(minutes=30)
    start = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    end = start + timedelta(hours=4)
    return [(start.isoweekday(), start.time(), end.time())]


def prepare(*, collectstatic: bool = False) -> None:
    """Migrate (and collect static files), then seed: one Django start-up instead of three."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if collectstatic:
        call_command("collectstatic", interactive=False, verbosity=0)
    main()


def main() -> None:
    from scheduling.models import Organization
    from tests.factories import OTP_KEY, PASSWORD, make_otp_device, make_provider, make_service, make_user
    from tests.notary.conftest import make_office

    office = make_office()
    notarization = make_service(
        code="remote-notarization",
        provider_kind="notary",
        duration_minutes=45,
        minimum_notice_minutes=0,
        slot_interval_minutes=5,
        name_zh="远程视频公证",
    )
    notary = make_provider(
        "notary.li@e2e.lexmeet.test",
        zone="Asia/Shanghai",
        services=[notarization],
        kind="notary",
        organization=office,
        weekly=window_around_now(),
        languages=["zh-hans", "en"],
    )
    notary.user.full_name = "Li Ming"
    notary.user.language = "zh-hans"
    notary.user.save(update_fields=["full_name", "language"])
    make_otp_device(notary.user)  # notaries sign in with a second factor (TOTP, accounts/otp.py)

    centre = Organization.objects.create(
        name="Taiyuan Legal Aid Centre", kind="legal_aid_centre", region="Shanxi, Taiyuan", timezone="Asia/Shanghai"
    )
    consultation = make_service(
        code="free-consultation",
        duration_minutes=30,
        minimum_notice_minutes=0,
        slot_interval_minutes=5,
        legal_aid_free=True,
        name_zh="免费法律咨询",
    )
    lawyer = make_provider(
        "lawyer.wang@e2e.lexmeet.test",
        zone="Asia/Shanghai",
        services=[consultation],
        organization=centre,
        weekly=window_around_now(),
        languages=["zh-hans"],
        practice_areas=["family"],
    )
    lawyer.user.full_name = "Wang Fang"
    lawyer.user.save(update_fields=["full_name"])
    elder = make_user(
        "zhao.grandma@e2e.lexmeet.test",
        timezone="Asia/Shanghai",
        language="zh-hans",
        legal_aid_group="elderly",
        full_name="赵秀英",
    )
    print(
        json.dumps(
            {
                "password": PASSWORD,
                "office": office.pk,
                "notary": {
                    "email": notary.user.email,
                    "provider": notary.pk,
                    "service": notarization.pk,
                    "otp_key": OTP_KEY,
                },
                "lawyer": {"email": lawyer.user.email, "provider": lawyer.pk, "service": consultation.pk},
                "elder": {"email": elder.email},
            }
        )
    )
