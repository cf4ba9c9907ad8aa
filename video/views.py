"""The room page (``/rooms/{room_id}/``): server-rendered shell, the WebRTC client is static/js/room.js."""

from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from config.errors import NotFound
from scheduling.api import iso_utc

from . import services
from .api import ws_url
from .models import RoomState

# Texts room.js shows, translated server-side and handed over as JSON.
TEXTS = {
    "connecting": _("Connecting…"),
    "in_room": _("You are in the room."),
    "lobby": _("Please wait: the host will let you in shortly."),
    "reconnecting": _("Connection lost, reconnecting…"),
    "ended": _("This session has ended."),
    "recording_on": _("This session is being recorded."),
    "recording_off": _("The recording has stopped."),
    "cancelled": _("This appointment was cancelled."),
    "rescheduled": _("This appointment was moved to another time. Join again then."),
    "kicked": _("The host removed you from this room."),
    "replaced": _("This room is open in another tab or window."),
    "left": _("You left the room."),
    "full": _("The room is full or not open yet."),
    "refused": _("You cannot join this room."),
    "no_devices": _("No camera or microphone: others will not see or hear you."),
    "audio_only_device": _("No camera found: audio only."),
    "devices_ok": _("Camera and microphone are working."),
    "weak": _("Weak connection: switched to audio only."),
    "peer_reconnecting": _("reconnecting…"),
    "muted": _("muted"),
    "camera_off": _("camera off"),
    "admit": _("Admit"),
    "deny": _("Deny"),
    "remove": _("Remove"),
    "nobody_waiting": _("Nobody is waiting."),
    "mute": _("Mute"),
    "unmute": _("Unmute"),
    "camera_on": _("Camera on"),
    "camera_off_btn": _("Camera off"),
    "confirm_end": _("End the session for everyone?"),
}

# Texts of static/js/recorder.js (the notary's page of a notarization session only).
RECORDING_TEXTS = {
    "waiting_consent": _("Recording starts when the applicant consents."),
    "waiting_session": _("Recording starts when you start the session on the case page and the applicant consents."),
    "recording": _("Recording: this session is being recorded."),
    "no_sound": _("Recording without sound: click anywhere on this page to include the sound."),
    "retrying": _("Recording: an upload failed, retrying…"),
    "stopping": _("Recording stopped: saving the last part…"),
    "stopped": _("Recording stopped; {count} parts saved."),
    "closed": _("Recording ended: the case is no longer in session; {count} parts saved."),
    "unsupported": _("This browser cannot record the session: use a current Chrome, Edge or Firefox."),
    "failed": _("Recording failed: {error}"),
}


def guest_join(request, room_id, token):
    """The link of a guest invite: remember the guest in this browser's session, then open the room page.

    404 for a link that is not genuine, is for another room or was replaced by a newer invite;
    403 once the host removed the guest; 410 once the room is over (the link expires with it).
    The redirect drops the token from the address bar (and from any Referer the room page sends).
    """
    try:
        participant = services.guest_participant_get(room_id=room_id, token=token)
    except NotFound:
        return render(request, "404.html", status=404)
    except services.ParticipantRemoved as exc:
        return render(request, "video/removed.html", {"message": exc.message}, status=403)
    except services.RoomEnded as exc:
        return render(request, "video/removed.html", {"message": exc.message}, status=410)
    services.guest_session_remember(session=request.session, participant=participant)
    return redirect("room", room_id=room_id)


def room_page(request, room_id):
    """Participants only: 404 for a missing room or a stranger, 403 once removed, login first.

    A browser that opened the room through a guest invite link sees it as that guest.
    """
    try:
        participant = services.guest_participant_from_session(session=request.session, room_id=room_id)
        if participant is None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            participant = services.room_get_for_user(user=request.user, room_id=room_id)
    except NotFound:
        return render(request, "404.html", status=404)
    except services.ParticipantRemoved as exc:
        return render(request, "video/removed.html", {"message": exc.message}, status=403)
    room = participant.room
    now = dj_timezone.now()
    state = room.state_at(now)
    config = {
        "room_id": room.room_id,
        "peer_id": participant.peer_id,
        "role": participant.role,
        "name": participant.display_name,
        "state": state,
        "opens_at": iso_utc(room.opens_at),
        "closes_at": iso_utc(room.closes_at),
        "ws_url": ws_url(request, room.room_id),
        "lobby": participant.waits_in_lobby,
    }
    if state in (RoomState.OPEN, RoomState.SCHEDULED):
        config["ice_servers"] = services.room_join_info(participant=participant, now=now)["ice_servers"]
    # A notarization session: everyone is told it is recorded; the host notary's page records it.
    recorded = services.room_recording_context(participant=participant) if state == RoomState.OPEN else None
    recording = None
    if recorded and recorded["recording"]:
        recording = {
            **recorded["recording"],
            "csrf_token": get_token(request),
            "texts": {k: str(t) for k, t in RECORDING_TEXTS.items()},
        }
    context = {
        "texts": {k: str(t) for k, t in TEXTS.items()},
        "config": config,
        "room": room,
        "participant": participant,
        "state": state,
        "recorded": recorded,
        "recording": recording,
    }
    return render(request, "video/room.html", context)
