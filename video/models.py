"""Video rooms: one per appointment, its participants and the attendance log.

A room's open window is derived from its appointment (``start`` - 15 min to
``end`` + ``VIDEO_ROOM_GRACE_MINUTES``), so a reschedule moves it with no
extra write. Presence (``Participant.presence``, ``connection_id``,
``channel_name``) lives in the database, not in one process's memory: any
Daphne process can answer who is in the room (DESIGN.md, Scale-out).
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone

from scheduling.models import Appointment

OPENS_BEFORE = timedelta(minutes=15)


def new_room_id() -> str:
    """An opaque, unguessable room id: 24 random bytes, URL-safe base64 (32 characters)."""
    return secrets.token_urlsafe(24)


def room_group_name(room_id: str) -> str:
    """The channel-layer group of every socket of room ``room_id`` (presence and control events).

    Room ids are URL-safe base64 (letters, digits, ``-``, ``_``), so the name is a valid group name.
    """
    return f"video.{room_id}"


class RoomState(models.TextChoices):
    SCHEDULED = "scheduled", "Not open yet"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed (time is up)"
    ENDED = "ended", "Ended by the host"
    CANCELLED = "cancelled", "Cancelled"


class Room(models.Model):
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="room")
    room_id = models.CharField(max_length=64, unique=True, default=new_room_id)
    lobby_enabled = models.BooleanField(default=False, help_text="Non-hosts wait until the host admits them.")
    max_participants = models.PositiveSmallIntegerField(default=4)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"room {self.room_id} (appointment #{self.appointment_id})"

    @property
    def group_name(self) -> str:
        """The channel-layer group of every socket of this room (valid group name, < 100 chars)."""
        return room_group_name(self.room_id)

    @property
    def opens_at(self) -> datetime:
        return self.appointment.start - OPENS_BEFORE

    @property
    def closes_at(self) -> datetime:
        return self.appointment.end + timedelta(minutes=settings.VIDEO_ROOM_GRACE_MINUTES)

    def state_at(self, now: datetime | None = None) -> str:
        """The room's :class:`RoomState` at UTC-aware ``now``."""
        now = now or dj_timezone.now()
        if self.ended_at is not None:
            return RoomState.ENDED
        if not self.appointment.is_active and self.appointment.status == "cancelled":
            return RoomState.CANCELLED
        if now < self.opens_at:
            return RoomState.SCHEDULED
        if now >= self.closes_at:
            return RoomState.CLOSED
        return RoomState.OPEN


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    CLIENT = "client", "Client"
    INTERPRETER = "interpreter", "Interpreter"
    WITNESS = "witness", "Witness"
    CONSULAR_OFFICER = "consular_officer", "Consular officer"


class Presence(models.TextChoices):
    OFFLINE = "offline", "Offline"
    LOBBY = "lobby", "Waiting in the lobby"
    ONLINE = "online", "In the room"
    RECONNECTING = "reconnecting", "Reconnecting"


class RevokeReason(models.TextChoices):
    KICKED = "kicked", "Removed by the host"
    DENIED = "denied", "Denied by the host"


class Participant(models.Model):
    """A person allowed into a room. ``revoked_at`` set means kicked or denied: refused from then on."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="participants")
    # A guest (someone the host invited by email who has no account) has no user: a name and an
    # email instead, and joins with the signed invite link (video.tickets.invite_issue).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="room_participations",
    )
    guest_name = models.CharField(max_length=200, blank=True)
    guest_email = models.EmailField(blank=True)
    # Part of every invite link of this guest: a new nonce makes the earlier links worthless.
    invite_nonce = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    admitted = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=10, choices=RevokeReason.choices, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Presence of the current connection (one per participant: a second tab replaces the first).
    presence = models.CharField(max_length=12, choices=Presence.choices, default=Presence.OFFLINE)
    presence_at = models.DateTimeField(null=True, blank=True)
    connection_id = models.CharField(max_length=32, blank=True)
    channel_name = models.CharField(max_length=200, blank=True)
    audio_muted = models.BooleanField(default=False)
    video_muted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="participant_room_user_unique"),
            models.UniqueConstraint(
                fields=["room", "guest_email"],
                condition=models.Q(user__isnull=True) & ~models.Q(guest_email=""),
                name="participant_room_guest_email_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(guest_name=""),
                name="participant_user_or_guest_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or 'guest ' + self.guest_name} as {self.role} in {self.room_id}"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def waits_in_lobby(self) -> bool:
        """Until admitted, everyone but the host waits in the lobby of a room with one, and a guest in any room."""
        return not self.admitted and not self.is_host and (self.room.lobby_enabled or self.is_guest)

    @property
    def display_name(self) -> str:
        """What peers see: the account's full name, or the name the host gave a guest."""
        return self.user.full_name if self.user_id is not None else self.guest_name

    @property
    def peer_id(self) -> str:
        """The id peers see in signaling messages (the participant's primary key, as a string)."""
        return str(self.pk)

    @property
    def is_host(self) -> bool:
        return self.role == ParticipantRole.HOST


class AttendanceKind(models.TextChoices):
    JOIN = "join", "Joined"
    LEAVE = "leave", "Left"
    ADMIT = "admit", "Admitted"
    DENY = "deny", "Denied"
    KICK = "kick", "Removed"
    END = "end", "Ended the room"


class AttendanceEvent(models.Model):
    """Append-only log of who joined, left, was admitted, denied or removed, and when (UTC)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, null=True, on_delete=models.CASCADE, related_name="attendance")
    kind = models.CharField(max_length=8, choices=AttendanceKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["room", "at"], name="attendance_room_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.participant_id} at {self.at:%Y-%m-%d %H:%M:%S}Z"
