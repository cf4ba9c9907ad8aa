"""Demo data for the notary app (called by ``manage.py seed_demo``, DEBUG only)."""

from notary.certificates import office_signing_files
from notary.models import HostSite, Jurisdiction, NotaryOffice
from scheduling.models import Organization, OrganizationKind


def notary_demo_seed(*, office) -> NotaryOffice:
    """Make ``office`` apply China's overseas programme and give it a demo signing key (under ``NOTARY_KEY_DIR``)."""
    profile, _ = NotaryOffice.objects.update_or_create(
        organization=office,
        defaults={"jurisdiction": Jurisdiction.objects.get(code="cn-overseas"), "name_zh": "太原市公证处"},
    )
    office_signing_files(office)
    host_site_demo_seed()
    return profile


def host_site_demo_seed() -> HostSite:
    """A consulate in New York (the programme's consulate model): evenings there, Taiyuan's mornings.

    Open 18:00-23:00 New York time every day, which meets the Taiyuan notaries' 09:00-12:00
    (20:00-23:00 the evening before in winter, 21:00-24:00 in summer); the consular officer's
    room invites go to a demo address (printed by the console email backend).
    """
    org, _ = Organization.objects.update_or_create(
        name="中华人民共和国驻纽约总领事馆 Consulate General in New York",
        defaults={
            "kind": OrganizationKind.HOST_SITE,
            "region": "New York",
            "timezone": "America/New_York",
            "email": "consulate.ny@demo.lexmeet.local",
        },
    )
    site, _ = HostSite.objects.update_or_create(
        organization=org,
        defaults={
            "weekly": [{"weekday": d, "start": "18:00", "end": "23:00"} for d in range(1, 8)],
            "overrides": [],
            "consular_officer_name": "Consul Wang",
            "consular_officer_email": "consul.wang@demo.lexmeet.local",
        },
    )
    return site
