"""Notary API, cases: matter types, create and list cases, documents, transitions (DESIGN.md, Notary)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import FileResponse
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone as dj_timezone
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Language
from config.errors import InvalidInput, NotFound
from config.throttles import ScopedRateThrottle
from scheduling.models import Organization

from .. import documents, selectors, services, workflow
from ..certificates import verify_url
from ..errors import InvalidFilename
from ..models import Case, Certificate, MatterType

# --- uploads: refuse path tricks instead of silently stripping them ------------------------


class _StrictFileNameParser(DjangoMultiPartParser):
    """Django's multipart parser, remembering every file name it would have had to rewrite."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_names: list[str] = []

    def sanitize_file_name(self, file_name):
        cleaned = super().sanitize_file_name(file_name)
        if cleaned is None or cleaned != file_name or documents.unsafe_filename_reason(file_name):
            self.refused_names.append(file_name)
        return cleaned


class StrictMultiPartParser(parsers.MultiPartParser):
    """DRF multipart parser that answers 400 ``invalid_filename`` for names with paths or control characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = _StrictFileNameParser(meta, stream, request.upload_handlers, parsers.get_encoding(parser_context))
            data, files = parser.parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}")
        if parser.refused_names:
            raise InvalidFilename(
                "The file name may not contain a path or control characters.", fields={"file": ["Unsafe file name."]}
            )
        return parsers.DataAndFiles(data, files)


# --- output ------------------------------------------------------------------------------

# A JSON array of objects, for list answers built as dicts (the OpenAPI schema would otherwise say "object").
LIST_OF_OBJECTS = OpenApiResponse(response=build_array_type(build_basic_type(OpenApiTypes.OBJECT)))


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class MatterTypeOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    act_type = serializers.CharField()
    required_documents = serializers.ListField(child=serializers.CharField())
    interpreter_allowed = serializers.BooleanField()
    paper_original_required = serializers.BooleanField()
    host_site_required = serializers.BooleanField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    retention_years = serializers.IntegerField(source="jurisdiction.retention_years")


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.SerializerMethodField()

    def get_uploaded_at(self, obj) -> str:
        return _iso(obj.uploaded_at)


def certificate_data(certificate: Certificate | None) -> dict | None:
    if certificate is None:
        return None
    return {
        "number": certificate.number,
        "verification_code": certificate.verification_code,
        "verify_url": verify_url(certificate.verification_code),
        "status": certificate.status,
        "pdf_url": f"/api/v1/notary/cases/{certificate.case_id}/certificate.pdf",
    }


def case_data(case: Case, *, now: datetime | None = None) -> dict:
    """The contract's case body (DESIGN.md, Notary) plus what the pages need."""
    now = now or dj_timezone.now()
    current = selectors.current_documents(case)
    attempts = services.identity_attempts(case)
    until = services.identity_lock_until(case, now)
    try:
        certificate = case.certificate
    except Certificate.DoesNotExist:
        certificate = None
    return {
        "id": case.pk,
        "status": case.status,
        "office": case.office_id,
        "office_name": case.office.name,
        "matter_type": case.matter_type.code,
        "jurisdiction": case.matter_type.jurisdiction.code,
        "destination_country": case.destination_country,
        "residence_country": case.residence_country,
        "resident_abroad_since": case.resident_abroad_since.isoformat() if case.resident_abroad_since else None,
        "nationality": case.nationality,
        "description": case.description,
        "language": case.language,
        "client": case.client_id,
        "required_documents": case.matter_type.required_documents,
        "missing_documents": workflow.missing_documents(case.matter_type.required_documents, set(current)),
        "documents": DocumentOutput(list(current.values()), many=True).data,
        "document_versions": DocumentOutput(case.documents.order_by("kind", "version"), many=True).data,
        "appointment": case.appointment_id,
        "notary": case.notary_id,
        "info_request": case.info_request,
        "reason_code": case.reason_code,
        "reason_note": case.reason_note,
        "identity": {
            "passed": workflow.identity_passed(attempts),
            "attempts": len(attempts),
            "locked_until": _iso(until),
        },
        "consent": {"given_at": _iso(case.consent_at), "signer_location": case.signer_location}
        if case.consent_at
        else None,
        "session_started_at": _iso(case.session_started_at),
        "notarized_at": _iso(case.notarized_at),
        "certificate": certificate_data(certificate),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


# --- matter types and cases --------------------------------------------------------------


class MatterTypeListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=MatterTypeOutput(many=True))
    def get(self, request):
        return Response(MatterTypeOutput(selectors.matter_type_list(), many=True).data)


class CountryField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Z]{2}$", max_length=2, error_messages={"invalid": "An ISO 3166-1 alpha-2 code like CN."}, **kwargs
        )


class CaseCreateInput(serializers.Serializer):
    office = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    matter_type = serializers.CharField(max_length=60)
    destination_country = CountryField()
    residence_country = CountryField()
    resident_abroad_since = serializers.DateField(input_formats=["%Y-%m-%d"], required=False, allow_null=True)
    nationality = CountryField(required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    signer_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CaseListCreateApi(APIView):
    @extend_schema(operation_id="notary_cases_list", responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        now = dj_timezone.now()
        return Response([case_data(c, now=now) for c in selectors.case_list_for_user(user=request.user)])

    @extend_schema(request=CaseCreateInput, responses={201: dict})
    def post(self, request):
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        office = Organization.objects.filter(pk=v["office"]).first()
        if office is None:
            raise NotFound("No such notary office.")
        matter = MatterType.objects.select_related("jurisdiction").filter(code=v["matter_type"]).first()
        if matter is None:
            raise InvalidInput(fields={"matter_type": ["Unknown matter type."]})
        case = services.case_create(
            client=request.user,
            office=office,
            matter_type=matter,
            destination_country=v["destination_country"],
            residence_country=v["residence_country"],
            resident_abroad_since=v.get("resident_abroad_since"),
            nationality=v["nationality"],
            description=v["description"],
            language=v.get("language") or request.user.language,
            signer_address=v["signer_address"],
        )
        return Response(case_data(case), status=201)


class CaseDetailApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request, case_id):
        return Response(case_data(selectors.case_get_for_user(user=request.user, case_id=case_id)))


class DocumentUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    kind = serializers.CharField(max_length=40)


class DocumentUploadApi(APIView):
    parser_classes = [StrictMultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "upload"

    @extend_schema(request={"multipart/form-data": DocumentUploadInput}, responses={201: DocumentOutput})
    def post(self, request, case_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        data = DocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        document = documents.document_upload(
            case=case, by=request.user, kind=data.validated_data["kind"], upload=upload, filename=upload.name
        )
        return Response(DocumentOutput(document).data, status=201)


class DocumentFileApi(APIView):
    """The stored bytes of one document version (participants only; each read is audited)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, case_id, document_id):
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        document = selectors.document_get_for_case(case=case, document_id=document_id)
        if document.purged_at is not None:
            raise NotFound("This document was deleted at the end of its retention period.")
        handle = documents.document_open(case=case, document=document, by=request.user)
        response = FileResponse(
            handle, content_type=document.content_type, as_attachment=True, filename=document.filename
        )
        response["Cache-Control"] = "private, no-store"  # an identity document stays out of shared caches
        return response


# --- transitions ---------------------------------------------------------------------------


class MessageInput(serializers.Serializer):
    message = serializers.CharField(max_length=2000)


class ReasonInput(serializers.Serializer):
    reason_code = serializers.SlugField(max_length=60)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RevokeInput(serializers.Serializer):
    reason_code = serializers.SlugField(max_length=60)


class StartSessionInput(serializers.Serializer):
    # The journal records each party's stated physical location (RULONA remote-notarization record).
    notary_location = serializers.CharField(max_length=300, help_text="The notary's stated physical location")


class ConsentInput(serializers.Serializer):
    signer_location = serializers.CharField(max_length=300, help_text="The signer's stated physical location")


class IdentityInput(serializers.Serializer):
    document_type = serializers.ChoiceField(choices=services.DOCUMENT_TYPES)
    issuing_country = CountryField()
    document_number = serializers.RegexField(r"^[A-Za-z0-9 -]{4,30}$", max_length=30)
    expires_on = serializers.DateField(input_formats=["%Y-%m-%d"])
    method = serializers.ChoiceField(choices=services.METHODS)
    result = serializers.ChoiceField(choices=["pass", "fail"])


class ParticipantInput(serializers.Serializer):
    role = serializers.CharField(max_length=20)
    full_name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")


ACTIONS = {
    # action: (input serializer or None, service call(case, user, validated data))
    "submit": (None, lambda case, user, v: services.case_submit(case=case, by=user)),
    "withdraw": (None, lambda case, user, v: services.case_withdraw(case=case, by=user)),
    "request_info": (
        MessageInput,
        lambda case, user, v: services.case_request_info(case=case, by=user, message=v["message"]),
    ),
    "accept": (None, lambda case, user, v: services.case_accept(case=case, by=user)),
    "reject": (ReasonInput, lambda case, user, v: services.case_reject(case=case, by=user, **v)),
    "start_session": (StartSessionInput, lambda case, user, v: services.case_start_session(case=case, by=user, **v)),
    "verify_identity": (IdentityInput, lambda case, user, v: services.identity_verify(case=case, by=user, **v)),
    "consent": (ConsentInput, lambda case, user, v: services.case_consent(case=case, by=user, **v)),
    "notarize": (None, lambda case, user, v: services.case_notarize(case=case, by=user)),
    "terminate": (ReasonInput, lambda case, user, v: services.case_terminate(case=case, by=user, **v)),
    "revoke": (RevokeInput, lambda case, user, v: services.case_revoke(case=case, by=user, **v)),
    "participants": (ParticipantInput, lambda case, user, v: services.participant_add(case=case, by=user, **v)),
}


class CaseActionApi(APIView):
    """``POST /api/v1/notary/cases/{id}/<action>/``: one transition; answers the case as it now is."""

    action: str = ""

    @extend_schema(request=dict, responses=dict)
    def post(self, request, case_id):
        serializer_class, call = ACTIONS[self.action]
        values = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        call(case, request.user, values)
        return Response(case_data(selectors.case_get_for_user(user=request.user, case_id=case_id)))
