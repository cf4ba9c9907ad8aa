"""Notary API, records: certificate PDF, journal (JSON, CSV, PDF), recording chunks, host-site slots, public verification data."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

from django.http import FileResponse, HttpResponse
from django.utils import timezone as dj_timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import TimezoneField
from config.errors import Forbidden, NotFound
from config.throttles import PostOnlyThrottle
from scheduling import selectors as scheduling_selectors
from scheduling.api import StrictDateField, iso_in, iso_utc
from scheduling.slots import booker_day_bounds

from .. import host_sites, recordings, selectors, services, workflow
from ..audit import JOURNAL_FIELDS, audit_append
from ..certificates import certificate_path, journal_pdf
from ..models import Certificate, HostSite
from .cases import LIST_OF_OBJECTS, StrictMultiPartParser, _iso

# --- certificate and journal ---------------------------------------------------------------


class CertificatePdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, case_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        certificate = Certificate.objects.filter(case=case).first()
        if certificate is None:
            raise NotFound()
        audit_append(
            action="notary.certificate.read", actor=request.user, case=case, target=f"certificate:{certificate.pk}"
        )
        return FileResponse(
            open(certificate_path(certificate), "rb"),  # noqa: SIM115 - closed by FileResponse
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{certificate.number}.pdf",
        )


def journal_row(entry) -> dict:
    return {
        "entry_number": entry.entry_number,
        "recorded_at": _iso(entry.recorded_at),
        "notary_timezone": entry.notary_timezone,
        "signer_timezone": entry.signer_timezone,
        "notary_location": entry.notary_location,
        "signer_location": entry.signer_location,
        "act_type": entry.act_type,
        "matter_type": entry.matter_type,
        "documents": entry.documents,
        "signer_name": entry.signer_name,
        "signer_address": entry.signer_address,
        "identity_evidence": entry.identity_evidence,
        "participants": entry.participants,
        "recording_ref": entry.recording_ref,
        "recording_sha256": entry.recording_sha256,
        "fee": f"{entry.fee:.2f}",
        "currency": entry.currency,
        "outcome": entry.outcome,
        "reason_code": entry.reason_code,
        "amends": entry.amends.entry_number if entry.amends_id else None,
        "row_hash": entry.row_hash,
    }


class CaseJournalApi(APIView):
    """The case's journal entries (the office's notaries only; the applicant gets 403)."""

    @extend_schema(responses={200: LIST_OF_OBJECTS})
    def get(self, request, case_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        if services.case_role(case, request.user) != workflow.NOTARY:
            raise Forbidden("The journal is the notary's.")
        audit_append(action="notary.journal.read", actor=request.user, case=case, target=f"case:{case.pk}")
        entries = case.journal_entries.select_related("amends").order_by("notary_id", "entry_number")
        return Response([journal_row(e) for e in entries])


class RecordingChunkInput(serializers.Serializer):
    chunk = serializers.FileField(allow_empty_file=True, use_url=False)
    index = serializers.IntegerField(min_value=0, max_value=99_999)
    last = serializers.BooleanField(required=False, default=False, help_text="The recorder stopped after this chunk.")


class RecordingApi(APIView):
    """``POST``: one chunk of the session recording (the notary, in session, after consent); ``GET``: the manifest."""

    parser_classes = [StrictMultiPartParser]
    throttle_classes = [PostOnlyThrottle]
    throttle_scope = "recording"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, case_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        if services.case_role(case, request.user) != workflow.NOTARY:
            raise Forbidden("The recording is the notary's.")
        return Response(recordings.recording_manifest(case))

    @extend_schema(request={"multipart/form-data": RecordingChunkInput}, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, case_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = RecordingChunkInput(data=request.data)
        data.is_valid(raise_exception=True)
        chunk = recordings.recording_chunk_upload(
            case=case,
            by=request.user,
            index=data.validated_data["index"],
            upload=data.validated_data["chunk"],
            last=data.validated_data["last"],
        )
        return Response({"index": chunk.index, "size": chunk.size, "sha256": chunk.sha256}, status=201)


# The journal's own fields (notary/audit.py), minus internal ids, then the link to an amended entry and the hash.
JOURNAL_CSV_COLUMNS = [f for f in JOURNAL_FIELDS if f not in ("notary_id", "case_id", "amends_id")] + [
    "amends",
    "row_hash",
]


class JournalCsvApi(APIView):
    """``GET /api/v1/notary/journal.csv``: the requesting notary's whole journal as CSV (nested fields as JSON)."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        provider = selectors.notary_provider(request.user)
        if provider is None:
            raise NotFound()
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=JOURNAL_CSV_COLUMNS)
        writer.writeheader()
        for entry in provider.journal_entries.select_related("amends").order_by("entry_number"):
            row = journal_row(entry)
            for key in ("documents", "identity_evidence", "participants"):
                row[key] = json.dumps(row[key], ensure_ascii=False, sort_keys=True)
            writer.writerow(row)
        audit_append(action="notary.journal.exported", actor=request.user, target=f"notary:{provider.pk}")
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="journal-{provider.pk}.csv"'
        return response


class HostSiteSlotQuery(serializers.Serializer):
    provider = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    service = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    # Between 1971 and 2199 like the provider's slots: a day at either end of datetime's range overflows.
    start = StrictDateField()
    end = StrictDateField()
    tz = TimezoneField(max_length=64, required=False)

    def validate(self, attrs):
        if not 0 <= (attrs["end"] - attrs["start"]).days < 62:
            raise serializers.ValidationError({"end": ["end is before start or more than 62 days after it."]})
        return attrs


class HostSiteListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        sites = HostSite.objects.select_related("organization").order_by("organization__name")
        return Response(
            [
                {
                    "id": s.pk,
                    "name": s.organization.name,
                    "region": s.organization.region,
                    "timezone": s.organization.timezone,
                }
                for s in sites
            ]
        )


class HostSiteSlotListApi(APIView):
    """Slots both a notary and the host site can take, as days and times in ``tz`` (the booker's zone)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[HostSiteSlotQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, host_site_id):
        query = HostSiteSlotQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        site = host_sites.host_site_get(host_site_id=host_site_id)
        provider = scheduling_selectors.provider_get(provider_id=q["provider"])
        service = scheduling_selectors.service_get(service_id=q["service"])
        tz_name = q.get("tz") or (request.user.timezone if request.user.is_authenticated else "UTC")
        zone = ZoneInfo(tz_name)
        range_start, range_end = booker_day_bounds(q["start"], q["end"], zone)
        found = host_sites.host_site_slot_list(
            site=site,
            provider=provider,
            service=service,
            range_start=range_start,
            range_end=range_end,
            now=dj_timezone.now(),
        )
        return Response(
            {
                "timezone": tz_name,
                "slots": [
                    {"start": iso_in(s.start, zone), "end": iso_in(s.end, zone), "start_utc": iso_utc(s.start)}
                    for s in found
                ],
            }
        )


class JournalPdfApi(APIView):
    """``GET /api/v1/notary/journal.pdf``: the requesting notary's whole journal as PDF."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        provider = selectors.notary_provider(request.user)
        if provider is None:
            raise NotFound()
        rows = [journal_row(e) for e in provider.journal_entries.select_related("amends").order_by("entry_number")]
        data = journal_pdf(notary_name=provider.name, office_name=provider.organization.name, rows=rows)
        audit_append(
            action="notary.journal.exported", actor=request.user, target=f"notary:{provider.pk}", data={"format": "pdf"}
        )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="journal-{provider.pk}.pdf"'
        return response


# --- public verification -------------------------------------------------------------------


def initials(full_name: str) -> str:
    parts = [p for p in full_name.replace("(", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() + "." for p in parts[:3])


def verification_data(certificate: Certificate) -> dict:
    """The public body of ``/verify/{code}/``: no personal data beyond the signer's initials."""
    case = certificate.case
    return {
        "certificate_number": certificate.number,
        "matter_type": case.matter_type.code,
        "matter_type_name": case.matter_type.name,
        "matter_type_name_zh": case.matter_type.name_zh,
        "notary_office": case.office.name,
        "notarized_at": _iso(certificate.issued_at),
        "document_sha256": [item["sha256"] for item in certificate.document_sha256],
        "signer_initials": initials(case.client.full_name),
        "status": certificate.status,
        "revoked_at": _iso(certificate.revoked_at),
        "revocation_reason": certificate.revoke_reason_code or None,
    }
