"""Notarial certificates: a bilingual PDF with a QR code of the public verify URL, signed (PAdES) by the office.

Keys: each office signs with its own X.509 key. For the demo and tests a local
CA and one key per office are generated on first use under ``NOTARY_KEY_DIR``
(default ``var/keys``, outside the repository, git-ignored); a real office
installs its qualified certificate there as ``office-<organization id>.key``/``.pem``
with its chain as ``ca.pem``.

Chinese text uses an embedded TrueType subset of Droid Sans Fallback (Debian's
``fonts-droid-fallback``) when present, otherwise reportlab's built-in CID font
STSong-Light (not embedded; readers supply it). Latin text (numbers, hashes,
times, the URL) is set in Helvetica so it stays searchable.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .documents import storage_root
from .models import Case, Certificate, JournalEntry

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
)


# --- keys -------------------------------------------------------------------------------


def key_dir() -> Path:
    return Path(settings.NOTARY_KEY_DIR)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _new_cert(*, subject_cn: str, org: str, key, issuer_key, issuer_name, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, subject_cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650 if ca else 1825))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def office_signing_files(office) -> tuple[Path, Path, Path]:
    """``(key, certificate, ca certificate)`` PEM paths of ``office`` (an Organization), created on first use.

    A file lock in the key directory keeps two processes from generating two
    different keys at once.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path, cert_path = directory / f"office-{office.pk}.key", directory / f"office-{office.pk}.pem"
    ca_key_path, ca_path = directory / "ca.key", directory / "ca.pem"
    if key_path.exists() and cert_path.exists() and ca_path.exists():
        return key_path, cert_path, ca_path
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pem = serialization.Encoding.PEM
        plain = serialization.NoEncryption()
        pkcs8 = serialization.PrivateFormat.PKCS8
        if not (ca_key_path.exists() and ca_path.exists()):
            ca_key = ec.generate_private_key(ec.SECP256R1())
            ca_cert = _new_cert(
                subject_cn="Lexmeet Demo Notarial CA",
                org="Lexmeet demo",
                key=ca_key,
                issuer_key=ca_key,
                issuer_name=None,
                ca=True,
            )
            _write_private(ca_key_path, ca_key.private_bytes(pem, pkcs8, plain))
            _write_private(ca_path, ca_cert.public_bytes(pem))
        if not (key_path.exists() and cert_path.exists()):
            from cryptography import x509

            ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _new_cert(
                subject_cn=office.name[:64],
                org=office.name[:64],
                key=key,
                issuer_key=ca_key,
                issuer_name=ca_cert.subject,
                ca=False,
            )
            _write_private(key_path, key.private_bytes(pem, pkcs8, plain))
            _write_private(cert_path, cert.public_bytes(pem))
    return key_path, cert_path, ca_path


# --- PDF --------------------------------------------------------------------------------


def _cjk_font() -> str:
    """Register and return the name of a font that can set Chinese text."""
    configured = getattr(settings, "NOTARY_CJK_FONT", "") or ""
    for candidate in ([configured] if configured else []) + list(CJK_FONT_CANDIDATES):
        if candidate and os.path.exists(candidate):
            if "LexmeetCJK" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("LexmeetCJK", candidate))
            return "LexmeetCJK"
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _runs(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into runs of ASCII and non-ASCII characters: ``[(is_ascii, run), ...]``."""
    runs: list[tuple[bool, str]] = []
    for ch in text:
        kind = ch.isascii()
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    return runs


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL}/verify/{code}/"


def _fmt(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")


def certificate_pdf(*, certificate: Certificate, case: Case, notary_name: str) -> bytes:
    """Render the unsigned certificate PDF (A4, uncompressed page content so its Latin text is searchable)."""
    cjk = _cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"Notarial certificate {certificate.number}")
    pdf.setSubject(f"{case.matter_type.code}; verify at {verify_url(certificate.verification_code)}")
    pdf.setAuthor(case.office.name)
    width, height = A4
    x, y = 50, height - 60

    def line(text: str, size: float = 10, gap: float = 15, font: str | None = None) -> None:
        """Draw one line: Latin runs in Helvetica (searchable), Chinese runs in the CJK font."""
        nonlocal y
        cursor = x
        for is_ascii, run in _runs(text):
            face = font if (font and is_ascii) else ("Helvetica" if is_ascii else cjk)
            pdf.setFont(face, size)
            pdf.drawString(cursor, y, run)
            cursor += pdfmetrics.stringWidth(run, face, size)
        y -= gap

    matter = case.matter_type
    office_zone = case.office.timezone
    line("公证书（远程视频公证）", 18, 24)
    line("Notarial Certificate (remote video notarization)", 14, 26, "Helvetica-Bold")
    line(f"Certificate number: {certificate.number}", 11)
    line(f"公证事项 Matter: {matter.name_zh} / {matter.name}", 11)
    line(f"Matter code: {matter.code}", 9)
    line(f"公证机构 Office: {case.office.name}", 11)
    line(f"公证员 Notary: {notary_name}", 11)
    line(f"Notarized at (UTC): {_fmt(certificate.issued_at, 'UTC')}", 10)
    line(f"Notarized at ({office_zone}): {_fmt(certificate.issued_at, office_zone)}", 10)
    line(f"Destination country: {case.destination_country}", 10, 22)
    line("兹证明：申请人经远程视频方式与本公证员直接对话，身份经核实，", 11)
    line("并在全程录音录像的情况下完成本公证事项。", 11, 18)
    line("This certifies that the applicant appeared before the notary by remote video,", 10)
    line("spoke with the notary directly, had their identity verified, and completed the", 10)
    line("matter above while the session was recorded with their consent.", 10, 22)
    line("文件 SHA-256 / Document SHA-256:", 10, 14)
    for item in certificate.document_sha256:
        line(f"{item['kind']} v{item['version']}: {item['sha256']}", 7.5, 11)
    url = verify_url(certificate.verification_code)
    y -= 8
    line("核验 Verify:", 10, 14)
    line(url, 9, 14)

    qr = segno.make(url, error="m")
    module, size = 3.0, qr.symbol_size(scale=1)[0]
    qx, qy = width - 50 - size * module, 60
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(qr.matrix):
        for col_index, bit in enumerate(row):
            if bit:
                pdf.rect(
                    qx + (col_index + qr.default_border_size) * module,
                    qy + (size - 1 - row_index - qr.default_border_size) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    pdf.setFont("Helvetica", 7)
    pdf.drawString(
        50, 50, f"Signed electronically (PAdES) by {case.office.name.encode('ascii', 'ignore').decode().strip()}."
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_sign(*, pdf: bytes, office, reason: str, location: str) -> bytes:
    """Sign ``pdf`` with the office's key: a PAdES baseline signature (ETSI EN 319 142) via pyHanko."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key_path, cert_path, ca_path = office_signing_files(office)
    signer = signers.SimpleSigner.load(
        str(key_path), str(cert_path), ca_chain_files=(str(ca_path),), key_passphrase=None
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="NotarySignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def certificate_path(certificate: Certificate) -> Path:
    return storage_root() / "certificates" / certificate.storage_name


def certificate_issue(*, case: Case, journal_entry: JournalEntry, now: datetime) -> Certificate:
    """Create, render, sign and store the certificate of a notarized ``case`` (inside the notarize transaction).

    The number joins the jurisdiction's prefix, the year, the notary and the
    journal entry number, so it is unique and points at its journal entry.
    """
    from .selectors import current_documents

    jurisdiction = case.matter_type.jurisdiction
    number = f"{jurisdiction.certificate_prefix}-{now:%Y}-{case.notary_id:04d}-{journal_entry.entry_number:06d}"
    hashes = [{"kind": d.kind, "version": d.version, "sha256": d.sha256} for d in current_documents(case).values()]
    certificate = Certificate(case=case, number=number, issued_at=now, document_sha256=hashes)
    certificate.storage_name = (
        f"{case.pk}/{certificate.verification_code[:8]}-{hashlib.sha256(number.encode()).hexdigest()[:16]}.pdf"
    )
    unsigned = certificate_pdf(certificate=certificate, case=case, notary_name=case.notary.name)
    signed = pdf_sign(
        pdf=unsigned,
        office=case.office,
        reason=f"Notarial certificate {number}",
        location=case.office.region or case.office.name,
    )
    path = certificate_path(certificate)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(signed)
    certificate.pdf_sha256 = hashlib.sha256(signed).hexdigest()
    certificate.save()
    return certificate


def journal_pdf(*, notary_name: str, office_name: str, rows: list[dict]) -> bytes:
    """The notary's journal as a landscape A4 PDF: one block per entry (``rows`` from ``api.journal_row``)."""
    from reportlab.lib.pagesizes import landscape

    cjk = _cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4), pageCompression=0)
    pdf.setTitle(f"Notarial journal of {notary_name}")
    width, height = landscape(A4)
    y = height - 50

    def text(value: str, x: float, size: float = 8) -> None:
        cursor = x
        for is_ascii, run in _runs(value):
            face = "Helvetica" if is_ascii else cjk
            pdf.setFont(face, size)
            pdf.drawString(cursor, y, run)
            cursor += pdfmetrics.stringWidth(run, face, size)

    text(f"公证登记簿 Notarial journal: {notary_name}, {office_name}", 40, 13)
    y -= 24
    for row in rows:
        if y < 90:
            pdf.showPage()
            y = height - 50
        text(
            f"#{row['entry_number']}  {row['recorded_at']}  {row['act_type']} / {row['matter_type']}  "
            f"outcome: {row['outcome']} {row['reason_code']}  fee: {row['fee']} {row['currency']}"
            + (f"  amends #{row['amends']}" if row["amends"] else ""),
            40,
            9,
        )
        y -= 12
        text(
            f"signer: {row['signer_name']} ({row['signer_timezone']}, at {row['signer_location'] or '-'}); "
            f"notary at {row['notary_location'] or '-'} ({row['notary_timezone']})",
            52,
        )
        y -= 11
        for document in row["documents"]:
            text(f"{document['kind']} v{document['version']}: {document['title']}  sha256 {document['sha256']}", 52, 7)
            y -= 10
        attempts = row["identity_evidence"].get("attempts", []) if row["identity_evidence"] else []
        for attempt in attempts:
            text(
                f"identity: {attempt['document_type']} {attempt['issuing_country']} {attempt['document_number_masked']} "
                f"exp {attempt['expires_on']} {attempt['method']} {attempt['result']} at {attempt['checked_at']}",
                52,
                7,
            )
            y -= 10
        if row["recording_ref"]:
            text(f"recording: {row['recording_ref']} sha256 {row['recording_sha256']}", 52, 7)
            y -= 10
        text(f"row hash {row['row_hash']}", 52, 6)
        y -= 16
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
