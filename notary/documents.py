"""Document uploads: type sniffed from the bytes, size limit, SHA-256, versions, storage outside the web root.

Files live under ``MEDIA_ROOT/notary/documents/<case id>/<random hex>``; no URL
serves ``MEDIA_ROOT``, so the only way to read one is the permission-checked
download view, which logs every access in the audit chain.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone as dj_timezone

from accounts.models import User

from . import workflow
from .audit import audit_append
from .errors import DocumentsLocked, EmptyFile, FileTooLarge, InvalidFilename, UnsupportedType
from .models import Case, Document, DocumentKind

# Magic numbers (file signatures): ISO 32000-1 §7.5.2 "%PDF-", JPEG SOI + marker, PNG's 8-byte signature.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
MAX_FILENAME = 200


def sniff_content_type(head: bytes) -> str | None:
    """The content type recognised from a file's first bytes (PDF, JPEG or PNG), or ``None``."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def unsafe_filename_reason(name: str) -> str | None:
    """Why a client's file name is refused, or ``None``: path separators, ``..``, control characters, hidden names."""
    if not name or len(name) > MAX_FILENAME:
        return "The file name is empty or too long."
    if "/" in name or "\\" in name or ".." in name:
        return "The file name may not contain a path."
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "The file name contains control characters."
    if name.startswith(".") or name.strip() != name:
        return "The file name may not start with a dot or with spaces."
    return None


def storage_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "notary"


def document_path(document: Document) -> Path:
    return storage_root() / "documents" / document.storage_name


def document_upload(*, case: Case, by: User, kind: str, upload, filename: str, now: datetime | None = None) -> Document:
    """Store a new version of document ``kind`` for ``case``, uploaded by its client.

    ``upload`` is a Django ``UploadedFile`` (anything with ``size`` and ``chunks()``).
    The type comes from the first bytes, not the name or the declared type.
    Raises ``InvalidFilename``/``EmptyFile``/``UnsupportedType`` (400),
    ``FileTooLarge`` (413), ``DocumentsLocked`` (409, once the session has
    started, or after a final state), ``InvalidInput`` for an unknown kind.
    Nothing is stored when it raises. Returns the new ``Document``.
    """
    from config.errors import Forbidden, InvalidInput

    now = now or dj_timezone.now()
    if case.client_id != by.pk:
        raise Forbidden("Only the applicant uploads documents.")
    reason = unsafe_filename_reason(filename)
    if reason:
        raise InvalidFilename(reason, fields={"file": [reason]})
    if not DocumentKind.objects.filter(code=kind).exists():
        raise InvalidInput("Unknown document kind.", fields={"kind": [f"Unknown kind {kind!r}."]})
    limit = settings.NOTARY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise FileTooLarge(f"The file is over the {limit} byte limit.", fields={"file": [f"At most {limit} bytes."]})
    if case.status not in workflow.DOCUMENTS_OPEN:
        raise DocumentsLocked()

    digest, size, head = hashlib.sha256(), 0, b""
    directory = storage_root() / "documents" / str(case.pk)
    directory.mkdir(parents=True, exist_ok=True)
    storage_name = f"{case.pk}/{secrets.token_hex(16)}"
    path = storage_root() / "documents" / storage_name
    try:
        with open(path, "xb") as out:
            for chunk in upload.chunks():
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(
                        f"The file is over the {limit} byte limit.", fields={"file": [f"At most {limit} bytes."]}
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EmptyFile(fields={"file": ["The file is empty."]})
        content_type = sniff_content_type(head)
        if content_type is None:
            raise UnsupportedType(fields={"file": ["Not a PDF, JPEG or PNG file."]})
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.status not in workflow.DOCUMENTS_OPEN:
                raise DocumentsLocked()
            version = (locked.documents.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
            document = Document.objects.create(
                case=locked,
                kind=kind,
                version=version,
                filename=filename,
                content_type=content_type,
                size=size,
                sha256=digest.hexdigest(),
                storage_name=storage_name,
                uploaded_by=by,
                uploaded_at=now,
            )
            audit_append(
                action="notary.document.uploaded",
                actor=by,
                case=locked,
                target=f"document:{document.pk}",
                data={"kind": kind, "version": version, "sha256": document.sha256, "size": size},
                at=now,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return document


def document_open(*, case: Case, document: Document, by: User, now: datetime | None = None):
    """Open a stored document for reading (binary file object) and log the access in the audit chain."""
    audit_append(
        action="notary.document.read",
        actor=by,
        case=case,
        target=f"document:{document.pk}",
        data={"kind": document.kind, "version": document.version},
        at=now,
    )
    return open(document_path(document), "rb")  # noqa: SIM115 - closed by FileResponse


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
