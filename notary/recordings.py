"""Session recordings: chunks uploaded during the session, each hashed; a manifest hash goes into the journal.

Source: RULONA §14A(e)(2) and cases/notary.md (recording of the communication kept
with the journal for the retention period). Recording starts only after the
applicant's consent; the first chunk must be a WebM/Matroska stream (EBML magic).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from accounts.models import User
from config.errors import DomainError, InvalidInput
from scheduling.models import Appointment

from .audit import audit_append
from .documents import storage_root
from .errors import EmptyFile, FileTooLarge, InvalidTransition, UnsupportedType
from .models import Case, CaseStatus, RecordingChunk

EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # WebM / Matroska (RFC 9559 §4)


class ChunkExists(DomainError):
    status, code, message = 409, "chunk_exists", "This chunk index was already uploaded."


def recording_chunk_upload(
    *, case: Case, by: User, index: int, upload, last: bool = False, now: datetime | None = None
) -> RecordingChunk:
    """Store chunk ``index`` (0, 1, 2, ...) of the session recording; notary only, in session, after consent.

    The room's sockets hear ``recording {state: "started"}`` with the first chunk, and with the
    first after a pause longer than ``RESTART_AFTER`` (a reload, a new recorder); ``last`` (the
    recorder stopped: hang up, the room's end) makes them hear ``recording {state: "stopped"}``.

    Raises ``InvalidTransition`` (409) outside the session or before consent,
    ``ChunkExists`` (409) for a repeated index, ``UnsupportedType``/``EmptyFile``
    (400) and ``FileTooLarge`` (413).
    """
    from .services import _lock, _require_actor

    now = now or dj_timezone.now()
    if not 0 <= index < 100_000:
        raise InvalidInput(fields={"index": ["0 to 99999."]})
    limit = settings.NOTARY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise FileTooLarge()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge()
    if not data:
        raise EmptyFile()
    if index == 0 and not data.startswith(EBML_MAGIC):
        raise UnsupportedType("The recording must be a WebM stream.", fields={"chunk": ["Not WebM."]})
    storage_name = f"{case.pk}/{index:05d}-{secrets.token_hex(8)}.webm"
    path = storage_root() / "recordings" / storage_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        with transaction.atomic():
            locked = _lock(case)
            _require_actor(locked, by, "verify_identity")
            if locked.status != CaseStatus.IN_SESSION or locked.consent_at is None:
                raise InvalidTransition("Recording starts once the session has started and the applicant consented.")
            previous_at = locked.recording_chunks.order_by("-uploaded_at").values_list("uploaded_at", flat=True).first()
            try:
                with transaction.atomic():
                    chunk = RecordingChunk.objects.create(
                        case=locked,
                        index=index,
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        storage_name=storage_name,
                        uploaded_at=now,
                    )
            except IntegrityError:
                raise ChunkExists()
            audit_append(
                action="notary.recording.chunk",
                actor=by,
                case=locked,
                target=f"recording_chunk:{chunk.pk}",
                data={"index": index, "sha256": chunk.sha256, "size": chunk.size},
                at=now,
            )
            if locked.appointment_id:
                from video.services import room_recording_announce

                if previous_at is None or now - previous_at > RESTART_AFTER:
                    room_recording_announce(appointment_id=locked.appointment_id, state="started")
                if last:
                    room_recording_announce(appointment_id=locked.appointment_id, state="stopped", reason="stopped")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return chunk


def recording_manifest(case: Case) -> dict:
    """``{"chunks": [{"index", "size", "sha256"}], "sha256": <SHA-256 of the canonical chunk list>}``."""
    chunks = [{"index": c.index, "size": c.size, "sha256": c.sha256} for c in case.recording_chunks.order_by("index")]
    canonical = json.dumps(chunks, sort_keys=True, separators=(",", ":"))
    return {"chunks": chunks, "sha256": hashlib.sha256(canonical.encode()).hexdigest() if chunks else ""}


def recording_reference(case: Case) -> tuple[str, str]:
    """``(recording_ref, recording_sha256)`` for the journal entry of ``case``; empty when nothing was recorded."""
    manifest = recording_manifest(case)
    if not manifest["chunks"]:
        return "", ""
    return f"recording:case-{case.pk}:{len(manifest['chunks'])}-chunks", manifest["sha256"]


# Cases whose room page tells participants about the recording and whose notary's page records.
RECORDED_STATUSES = (CaseStatus.SCHEDULED, CaseStatus.IN_SESSION)
CHUNK_SECONDS = 4  # one WebM chunk every 4 s: what a refused or lost upload can cost at most
# A chunk after a longer pause starts the recording again (for the room's pages); within it the recording runs.
RESTART_AFTER = timedelta(seconds=3 * CHUNK_SECONDS)


def recording_is_running(case: Case, now: datetime | None = None) -> bool:
    """In session with consent and a chunk within ``RESTART_AFTER``: what a room page shows when it loads."""
    if case.status != CaseStatus.IN_SESSION or case.consent_at is None:
        return False
    now = now or dj_timezone.now()
    return case.recording_chunks.filter(uploaded_at__gte=now - RESTART_AFTER).exists()


def room_recording_context(*, appointment: Appointment, user: User | None, role: str) -> dict | None:
    """What the video room page of ``appointment`` says and does about the session recording.

    Registered with ``video.services.RECORDING_CONTEXTS`` (notary/apps.py), so the video app
    never imports notary. ``None`` when the appointment carries no scheduled or in-session
    notarization case. Otherwise ``{"case_page": str, "recording": dict | None, "running": bool}``: every
    participant is told that the session is recorded (``case_page``, the case page URL, only
    for the applicant, who consents there); ``recording`` is set only for the room's host
    (``role == "host"``) when they are a notary of the case's office:
    ``{"case_id": int, "url": <chunk endpoint>, "case_url": <case API>, "chunk_ms": int}``;
    ``running``: the recording runs now (``recording_is_running``), for the page's first state.
    """
    from django.urls import reverse

    from .services import case_role
    from .workflow import CLIENT, NOTARY

    case = (
        Case.objects.filter(appointment=appointment, status__in=RECORDED_STATUSES)
        .select_related("office")
        .order_by("-id")
        .first()
    )
    if case is None:
        return None
    case_role_of_user = case_role(case, user) if user is not None else None  # None: a guest of the room
    context: dict = {"case_page": "", "recording": None, "running": recording_is_running(case)}
    if case_role_of_user == CLIENT:
        context["case_page"] = reverse("notary-case-page", kwargs={"case_id": case.pk})
    if role == "host" and case_role_of_user == NOTARY:
        context["recording"] = {
            "case_id": case.pk,
            "url": reverse("notary-recording", kwargs={"case_id": case.pk}),
            "case_url": reverse("notary-case-detail", kwargs={"case_id": case.pk}),
            "chunk_ms": CHUNK_SECONDS * 1000,
        }
    return context
