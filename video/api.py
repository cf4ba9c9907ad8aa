"""Video API (DESIGN.md, public contract v1, Video): the room endpoint and invitations."""

from __future__ import annotations

from django.utils import timezone as dj_timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from scheduling.api import iso_utc

from . import services
from .models import ParticipantRole


def ws_url(request, room_id: str) -> str:
    """``ws(s)://<host>/ws/rooms/<room_id>/`` on the host the page was served from."""
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/rooms/{room_id}/"


class IceServerOutput(serializers.Serializer):
    urls = serializers.ListField(child=serializers.CharField())
    username = serializers.CharField(required=False)
    credential = serializers.CharField(required=False)


class RoomOutput(serializers.Serializer):
    room_id = serializers.CharField()
    appointment = serializers.IntegerField()
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    peer_id = serializers.CharField()
    opens_at = serializers.CharField()
    closes_at = serializers.CharField()
    state = serializers.CharField()
    lobby = serializers.BooleanField()
    ws_url = serializers.CharField()
    ticket = serializers.CharField()
    ice_servers = IceServerOutput(many=True)


def room_payload(request, participant, *, now=None) -> dict:
    """The contract's room object for ``participant``, with a fresh ticket (raises ``RoomEnded``)."""
    now = now or dj_timezone.now()
    room = participant.room
    join = services.room_join_info(participant=participant, now=now)
    return {
        "room_id": room.room_id,
        "appointment": room.appointment_id,
        "role": participant.role,
        "peer_id": participant.peer_id,
        "opens_at": iso_utc(room.opens_at),
        "closes_at": iso_utc(room.closes_at),
        "state": room.state_at(now),
        "lobby": participant.waits_in_lobby,
        "ws_url": ws_url(request, room.room_id),
        "ticket": join["ticket"],
        "ice_servers": join["ice_servers"],
    }


class RoomDetailApi(APIView):
    """``GET /api/v1/rooms/{room_id}/``: participants only (404 otherwise); 409 ``room_ended`` once over."""

    @extend_schema(responses=RoomOutput)
    def get(self, request, room_id):
        participant = services.room_get_for_user(user=request.user, room_id=room_id)
        return Response(room_payload(request, participant))


class InviteInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=[(r.value, r.label) for r in services.INVITABLE_ROLES])
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The name the others see; required when the email has no account (a guest).",
    )


class InviteOutput(serializers.Serializer):
    peer_id = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    guest = serializers.BooleanField(help_text="No account: an invite link was emailed; they join through the lobby.")


class RoomInviteApi(APIView):
    """``POST /api/v1/rooms/{room_id}/participants/`` ``{email, role, name?}``: the host invites someone.

    An email with an account adds that user; one without becomes a guest under ``name``
    (400 without it), emailed a link bound to this room and to them.
    """

    @extend_schema(request=InviteInput, responses={201: InviteOutput})
    def post(self, request, room_id):
        me = services.room_get_for_user(user=request.user, room_id=room_id)
        data = InviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        email, role = data.validated_data["email"], data.validated_data["role"]
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            participant, _ = services.participant_invite_guest(
                room=me.room, by=request.user, name=data.validated_data.get("name", ""), email=email, role=role
            )
            body = {"peer_id": participant.peer_id, "email": participant.guest_email, "role": role, "guest": True}
            return Response(body, status=201)
        participant = services.participant_invite(room=me.room, by=request.user, user=user, role=role)
        body = {"peer_id": participant.peer_id, "email": user.email, "role": participant.role, "guest": False}
        return Response(body, status=201)


class GuestInput(serializers.Serializer):
    invite = serializers.CharField(max_length=512, help_text="The token of the guest's invite link.")


class RoomGuestApi(APIView):
    """``POST /api/v1/rooms/{room_id}/guest/`` ``{invite}``: the room object for a guest, with a join ticket.

    No account: the invite token is the credential. 404 for a token that is not genuine, is for
    another room or was replaced by a newer invite; 403 ``removed`` after a kick; 409
    ``room_ended`` once the room is over.
    """

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=GuestInput, responses=RoomOutput)
    def post(self, request, room_id):
        data = GuestInput(data=request.data)
        data.is_valid(raise_exception=True)
        participant = services.guest_participant_get(room_id=room_id, token=data.validated_data["invite"])
        return Response(room_payload(request, participant))
