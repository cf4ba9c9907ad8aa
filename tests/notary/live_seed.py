"""Seed a notarization case in session in an open room, for live-server tests; prints JSON.

Run in the live server's environment:
``manage.py shell -c "from tests.notary.live_seed import main; main()"``. Prints
``{"room_id", "case_id", "sessions": {"host", "client"}, "tokens": {"host", "client"}}``.
"""

import json
from datetime import time, timedelta


def main() -> None:
    from django.utils import timezone as dj_timezone
    from rest_framework.authtoken.models import Token

    from notary.models import Case, CaseStatus, MatterType
    from notary.services import case_start_session
    from scheduling.models import Appointment
    from tests.factories import make_provider, make_service, make_user
    from tests.notary.conftest import make_office
    from tests.video.live_seed import session_for
    from video.services import room_create_for_appointment

    office = make_office()
    service = make_service(code="remote-notarization", provider_kind="notary", duration_minutes=45)
    notary = make_provider(
        "notary.li@example.com",
        zone="Asia/Shanghai",
        services=[service],
        kind="notary",
        organization=office,
        weekly=[(d, time(0), time(23, 59)) for d in range(1, 8)],
    )
    notary.user.full_name = "Li Notary"
    notary.user.save(update_fields=["full_name"])
    applicant = make_user("zhang.wei@example.com", timezone="America/New_York", full_name="Zhang Wei")
    start = dj_timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    # A shortcut around the slot rules (the minimum notice would refuse "now"), like video_demo_room.
    appointment = Appointment.objects.create(
        provider=notary,
        service=service,
        client=applicant,
        start=start,
        end=start + timedelta(minutes=45),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=45),
        client_timezone="America/New_York",
    )
    room = room_create_for_appointment(appointment=appointment)
    case = Case.objects.create(
        client=applicant,
        office=office,
        matter_type=MatterType.objects.get(code="cn-power-of-attorney"),
        status=CaseStatus.SCHEDULED,
        destination_country="CN",
        residence_country="US",
        nationality="CN",
        appointment=appointment,
    )
    case_start_session(case=case, by=notary.user, notary_location="Taiyuan Notary Office, room 3")
    users = {"host": notary.user, "client": applicant}
    print(
        json.dumps(
            {
                "room_id": room.room_id,
                "case_id": case.pk,
                "sessions": {role: session_for(user) for role, user in users.items()},
                "tokens": {role: Token.objects.get_or_create(user=user)[0].key for role, user in users.items()},
            }
        )
    )
