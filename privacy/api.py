"""``/api/v1/me/export/`` and ``/api/v1/me/delete/``: a user's own data, nobody else's."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import personal_data_export
from .services import account_delete


class PersonalDataExportApi(APIView):
    """Everything Lexmeet holds about the signed-in user, as one JSON document (a download)."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "Keys: export_version, exported_at, profile, appointments, notices, rooms, attendance, cases "
            "(documents as metadata, identity numbers masked, certificate), journal_entries, audit_events, "
            "calendar_feed, api_token. Tokens and password hashes are never included."
        ),
    )
    def get(self, request):
        data = personal_data_export(user=request.user)
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="lexmeet-data-{request.user.pk}.json"'
        response["Cache-Control"] = "private, no-store"
        return response


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=128, write_only=True)


class AccountDeleteOutput(serializers.Serializer):
    status = serializers.CharField()
    user = serializers.IntegerField()
    deleted = serializers.DictField(help_text="What was erased: counts, ids, and profile: anonymised.")
    kept = serializers.ListField(
        child=serializers.DictField(),
        help_text="What notarial retention keeps: what, case, rule, until (UTC or null for permanent), legal_hold.",
    )


class AccountDeleteApi(APIView):
    """Delete the signed-in client's account (password confirmation); the answer reports what was kept and why."""

    @extend_schema(request=AccountDeleteInput, responses={200: AccountDeleteOutput})
    def post(self, request):
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = account_delete(request=request._request, user=request.user, password=data.validated_data["password"])
        return Response(AccountDeleteOutput(report).data)
