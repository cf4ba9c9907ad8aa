"""Scheduling API (DESIGN.md, public contract v1, Scheduling): thin views over services and selectors."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone as dj_timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import TimezoneField
from accounts.models import Language
from config.errors import Forbidden, InvalidInput
from config.throttles import PostOnlyThrottle, ScopedRateThrottle

from . import selectors, services
from .models import Appointment, Organization, OrganizationKind, Provider, ProviderKind, ServiceType
from .slots import EARLIEST_SUPPORTED, LATEST_SUPPORTED, booker_day_bounds, is_supported_instant

MAX_SLOT_RANGE_DAYS = 62


class IsStaffMember(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff_member)


class ReadAnyWriteStaff(BasePermission):
    """GET for everyone (the catalogue is public), writes for staff."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return IsStaffMember().has_permission(request, view)


def iso_in(value: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the zone's offset, e.g. ``2024-05-06T09:00:00-03:00``."""
    return value.astimezone(zone).isoformat()


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, e.g. ``2024-05-06T12:00:00Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 instant that must carry a UTC offset (``Z`` or ``+08:00``); naive times are refused."""

    default_error_messages = {
        "invalid": "Use ISO 8601 with a UTC offset, like 2024-05-06T09:00:00-03:00.",
        "naive": "The time needs a UTC offset (Z or +hh:mm); a bare local time is ambiguous.",
        "range": "The time must lie between 1971 and 2199.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            value = datetime.fromisoformat(data)
        except ValueError:
            self.fail("invalid")
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail("range")
        if not is_supported_instant(value):
            self.fail("range")
        return value

    def to_representation(self, value):
        return iso_utc(value)


class StrictDateField(serializers.DateField):
    """``YYYY-MM-DD`` only, between 1971 and 2199."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not (EARLIEST_SUPPORTED.date() < day < LATEST_SUPPORTED.date()):
            raise serializers.ValidationError("The date must lie between 1971 and 2199.")
        return day


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class HourMinuteField(serializers.TimeField):
    """Wall-clock ``HH:MM`` in and out (OpenAPI's ``format: time`` would promise ``HH:MM:SS``)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


# --- catalogue ----------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer):
    slot_interval_minutes = serializers.IntegerField(source="interval_minutes", read_only=True)
    slot_interval = serializers.IntegerField(
        source="slot_interval_minutes", write_only=True, required=False, allow_null=True, min_value=5, max_value=1440
    )

    class Meta:
        model = ServiceType
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "provider_kind",
            "duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "slot_interval_minutes",
            "slot_interval",
            "fee",
            "currency",
            "legal_aid_free",
            "max_participants",
        ]
        read_only_fields = ["id"]


class ServiceListCreateApi(APIView):
    permission_classes = [ReadAnyWriteStaff]

    @extend_schema(responses=ServiceSerializer(many=True))
    def get(self, request):
        return Response(ServiceSerializer(ServiceType.objects.all(), many=True).data)

    @extend_schema(request=ServiceSerializer, responses={201: ServiceSerializer})
    def post(self, request):
        data = ServiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = data.save()
        return Response(ServiceSerializer(service).data, status=201)


class OrganizationSerializer(serializers.ModelSerializer):
    timezone = TimezoneField(max_length=64)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "region", "timezone", "email"]
        read_only_fields = ["id"]


class OrganizationListCreateApi(APIView):
    permission_classes = [ReadAnyWriteStaff]

    @extend_schema(responses=OrganizationSerializer(many=True))
    def get(self, request):
        return Response(OrganizationSerializer(Organization.objects.all(), many=True).data)

    @extend_schema(request=OrganizationSerializer, responses={201: OrganizationSerializer})
    def post(self, request):
        data = OrganizationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(OrganizationSerializer(data.save()).data, status=201)


class ProviderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    organization_name = serializers.CharField(source="organization.name", default=None)
    timezone = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    practice_areas = serializers.ListField(child=serializers.CharField())
    service_ids = serializers.SerializerMethodField()

    def get_service_ids(self, obj) -> list[int]:
        return sorted(s.pk for s in obj.services.all())


class ProviderCreateInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    full_name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    timezone = TimezoneField(max_length=64)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    languages = serializers.ListField(
        child=serializers.RegexField(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", max_length=20, help_text="BCP 47, lower case"),
        max_length=20,
        default=list,
    )
    practice_areas = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50, default=list)
    service_ids = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all(), many=True, default=list)

    def validate(self, attrs):
        wrong = sorted(s.code for s in attrs["service_ids"] if s.provider_kind != attrs["kind"])
        if wrong:
            raise serializers.ValidationError({"service_ids": [f"Not a {attrs['kind']} service: {', '.join(wrong)}."]})
        return attrs


class ProviderListCreateApi(APIView):
    permission_classes = [ReadAnyWriteStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["lawyer", "notary"]),
            OpenApiParameter("language", str),
            OpenApiParameter("practice_area", str),
        ],
        responses=ProviderOutput(many=True),
    )
    def get(self, request):
        kind = request.query_params.get("kind") or None
        if kind and kind not in ProviderKind.values:
            raise InvalidInput("kind must be lawyer or notary.", fields={"kind": ["Unknown kind."]})
        providers = selectors.provider_list(
            kind=kind,
            language=request.query_params.get("language") or None,
            practice_area=request.query_params.get("practice_area") or None,
        )
        return Response(ProviderOutput(providers, many=True).data)

    @extend_schema(request=ProviderCreateInput, responses={201: ProviderOutput})
    def post(self, request):
        data = ProviderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["services"] = values.pop("service_ids")
        provider = services.provider_create(**values)
        return Response(ProviderOutput(provider).data, status=201)


class ProviderDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ProviderOutput)
    def get(self, request, provider_id):
        return Response(ProviderOutput(selectors.provider_get(provider_id=provider_id)).data)


# --- schedule -----------------------------------------------------------------


class WeeklySerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=1, max_value=7, help_text="ISO weekday, Monday=1 ... Sunday=7")
    start = HourMinuteField()
    end = HourMinuteField(help_text="end <= start means the window runs past midnight")


class OverrideSerializer(serializers.Serializer):
    date = StrictDateField()
    available = serializers.BooleanField()
    start = HourMinuteField(required=False, allow_null=True)
    end = HourMinuteField(required=False, allow_null=True)


class ScheduleSerializer(serializers.Serializer):
    timezone = TimezoneField(max_length=64)
    weekly = WeeklySerializer(many=True, max_length=100)
    overrides = OverrideSerializer(many=True, max_length=1000, required=False, default=list)


def _schedule_data(provider: Provider) -> dict:
    return {
        "timezone": provider.timezone,
        "weekly": [
            {"weekday": r.weekday, "start": r.start_time, "end": r.end_time} for r in provider.availability_rules.all()
        ],
        "overrides": [
            {"date": o.date, "available": o.available, "start": o.start_time, "end": o.end_time}
            for o in provider.availability_overrides.all()
        ],
    }


class ProviderScheduleApi(APIView):
    """The provider's own weekly hours and date overrides (the provider or staff)."""

    def _provider(self, request, provider_id) -> Provider:
        provider = selectors.provider_get(provider_id=provider_id)
        if not (request.user.is_staff_member or provider.user_id == request.user.pk):
            raise Forbidden("Only the provider or staff may see or change these hours.")
        return provider

    @extend_schema(responses=ScheduleSerializer)
    def get(self, request, provider_id):
        provider = self._provider(request, provider_id)
        return Response(ScheduleSerializer(_schedule_data(provider)).data)

    @extend_schema(request=ScheduleSerializer, responses=ScheduleSerializer)
    def put(self, request, provider_id):
        provider = self._provider(request, provider_id)
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.schedule_replace(
            provider=provider,
            timezone=v["timezone"],
            weekly=[services.WeeklyInput(w["weekday"], w["start"], w["end"]) for w in v["weekly"]],
            overrides=[
                services.OverrideInput(o["date"], o["available"], o.get("start"), o.get("end")) for o in v["overrides"]
            ],
        )
        return Response(ScheduleSerializer(_schedule_data(provider)).data)


# --- slots --------------------------------------------------------------------


class SlotQuery(serializers.Serializer):
    service = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    start = StrictDateField()
    end = StrictDateField()
    tz = TimezoneField(max_length=64, required=False)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["end is before start."]})
        if (attrs["end"] - attrs["start"]).days + 1 > MAX_SLOT_RANGE_DAYS:
            raise serializers.ValidationError({"end": [f"At most {MAX_SLOT_RANGE_DAYS} days at a time."]})
        return attrs


class SlotOutput(serializers.Serializer):
    start = serializers.CharField(help_text="ISO 8601 with the offset of the requested zone")
    end = serializers.CharField()
    start_utc = serializers.CharField(help_text="ISO 8601 UTC with Z")


class SlotListOutput(serializers.Serializer):
    timezone = serializers.CharField()
    slots = SlotOutput(many=True)


class ProviderSlotListApi(APIView):
    """Open slots; ``start``/``end`` are days in ``tz`` (the booker's zone), end inclusive."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SlotQuery], responses=SlotListOutput)
    def get(self, request, provider_id):
        query = SlotQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        provider = selectors.provider_get(provider_id=provider_id)
        service = selectors.service_get(service_id=q["service"])
        if not provider.services.filter(pk=service.pk).exists():
            raise services.ServiceNotOffered()
        tz_name = q.get("tz") or (request.user.timezone if request.user.is_authenticated else "UTC")
        zone = ZoneInfo(tz_name)
        range_start, range_end = booker_day_bounds(q["start"], q["end"], zone)
        found = selectors.provider_slot_list(
            provider=provider, service=service, range_start=range_start, range_end=range_end, now=dj_timezone.now()
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


# --- appointments ---------------------------------------------------------------


def viewer_zone(appointment: Appointment, user) -> str:
    """The zone an appointment is rendered in for ``user``: the client's booking zone, the provider's, or the user's own."""
    if appointment.client_id == getattr(user, "pk", None):
        return appointment.client_timezone
    if appointment.provider.user_id == getattr(user, "pk", None):
        return appointment.provider.timezone
    return getattr(user, "timezone", None) or "UTC"


class AppointmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField(source="service.name")
    client = serializers.IntegerField(source="client_id")
    timezone = serializers.SerializerMethodField(help_text="The zone `start` and `end` are rendered in")
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    start_utc = serializers.SerializerMethodField()
    end_utc = serializers.SerializerMethodField()
    client_timezone = serializers.CharField()
    provider_timezone = serializers.CharField(source="provider.timezone")
    language = serializers.CharField()
    notes = serializers.CharField()
    uid = serializers.CharField()
    sequence = serializers.IntegerField()
    cancel_reason = serializers.CharField()
    room_id = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    def _zone(self, obj) -> str:
        return viewer_zone(obj, self.context.get("viewer"))

    def get_timezone(self, obj) -> str:
        return self._zone(obj)

    def get_start(self, obj) -> str:
        return iso_in(obj.start, ZoneInfo(self._zone(obj)))

    def get_end(self, obj) -> str:
        return iso_in(obj.end, ZoneInfo(self._zone(obj)))

    def get_start_utc(self, obj) -> str:
        return iso_utc(obj.start)

    def get_end_utc(self, obj) -> str:
        return iso_utc(obj.end)

    def get_room_id(self, obj) -> str | None:
        room = getattr(obj, "room", None)
        return getattr(room, "room_id", None)

    def get_ics_url(self, obj) -> str:
        return f"/api/v1/appointments/{obj.pk}/invite.ics"


class AppointmentInput(serializers.Serializer):
    provider = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    service = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    start = AwareDateTimeField()
    client_timezone = TimezoneField(max_length=64, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    case = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="A notarization case this session is for: required for a notary's service (400 `case_required`)",
    )
    host_site = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="With `case`: the mission or visa centre",
    )


class AppointmentListCreateApi(APIView):
    throttle_classes = [PostOnlyThrottle]
    throttle_scope = "booking"

    @extend_schema(responses=AppointmentOutput(many=True))
    def get(self, request):
        appointments = selectors.appointment_list_for_user(user=request.user)
        return Response(AppointmentOutput(appointments, many=True, context={"viewer": request.user}).data)

    @extend_schema(
        request=AppointmentInput,
        responses={201: AppointmentOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        data = AppointmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 255:
            raise InvalidInput("Idempotency-Key is at most 255 characters.", fields={"Idempotency-Key": ["Too long."]})
        provider = selectors.provider_get(provider_id=v["provider"])
        service = selectors.service_get(service_id=v["service"])
        context = {"viewer": request.user}
        result = services.appointment_book(
            client=request.user,
            provider=provider,
            service=service,
            start=v["start"],
            client_timezone=v.get("client_timezone") or request.user.timezone,
            language=v.get("language") or request.user.language,
            notes=v["notes"],
            idempotency_key=key,
            fingerprint=services.request_fingerprint(request.data),
            render=lambda appointment: AppointmentOutput(appointment, context=context).data,
            case_id=v.get("case"),
            host_site_id=v.get("host_site"),
        )
        body = result.body if result.body is not None else AppointmentOutput(result.appointment, context=context).data
        return Response(body, status=201)


class AppointmentDetailApi(APIView):
    @extend_schema(responses=AppointmentOutput)
    def get(self, request, appointment_id):
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        return Response(AppointmentOutput(appointment, context={"viewer": request.user}).data)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelOutput(serializers.Serializer):
    status = serializers.CharField()
    sequence = serializers.IntegerField()


class AppointmentCancelApi(APIView):
    @extend_schema(request=CancelInput, responses=CancelOutput)
    def post(self, request, appointment_id):
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        appointment = services.appointment_cancel(
            appointment=appointment, by=request.user, reason=data.validated_data["reason"]
        )
        return Response({"status": appointment.status, "sequence": appointment.sequence})


class RescheduleInput(serializers.Serializer):
    start = AwareDateTimeField()


class AppointmentRescheduleApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "booking"

    @extend_schema(request=RescheduleInput, responses=AppointmentOutput)
    def post(self, request, appointment_id):
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        appointment = services.appointment_reschedule(
            appointment=appointment, by=request.user, start=data.validated_data["start"]
        )
        return Response(AppointmentOutput(appointment, context={"viewer": request.user}).data)
