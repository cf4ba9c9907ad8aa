"""Account endpoints: register and token (DESIGN.md, Accounts)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.throttles import ScopedRateThrottle

from .models import Language, LegalAidGroup
from .services import token_obtain, user_register
from .validators import phone_normalize, zone_get


class TimezoneField(serializers.CharField):
    """An IANA zone name, validated against tzdata."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            zone_get(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="unknown_timezone") from exc
        return value


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    full_name = serializers.CharField(max_length=200)
    timezone = TimezoneField(max_length=64)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.EN)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    legal_aid_group = serializers.ChoiceField(choices=LegalAidGroup.choices, default=LegalAidGroup.NONE)

    def validate_phone(self, value):
        if not value:
            return ""
        try:
            return phone_normalize(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class RegisterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    token = serializers.CharField()


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterInput, responses={201: RegisterOutput})
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        token = Token.objects.get(user=user)
        return Response(RegisterOutput({"id": user.id, "email": user.email, "token": token.key}).data, status=201)


class TokenInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128)
    otp = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="Notaries and staff: the current 6-digit code of their authenticator app (TOTP).",
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenInput,
        responses={200: TokenOutput},
        description=(
            "Notaries and staff need `otp`: without it 401 `otp_required` (or `otp_enrolment_required` "
            "before they set up an authenticator app on the website), a wrong or reused code 400 "
            "`otp_invalid`, too many wrong codes 429 `too_many_attempts`."
        ),
    )
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = token_obtain(request=request._request, **data.validated_data)
        return Response(TokenOutput({"token": key}).data)
