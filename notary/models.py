"""Remote notarization: jurisdiction rules as data, cases, documents, identity, journal, audit, certificates.

Jurisdiction rules (matter types, required document kinds, flags, eligibility,
reason codes, fees, retention) are rows, loaded from ``notary/fixtures/jurisdictions.json``
by migration 0002 and ``manage.py load_jurisdictions``; adding a regime needs no code.

``JournalEntry`` and ``AuditEvent`` are append-only: on PostgreSQL and SQLite a
database trigger (migration 0003) refuses UPDATE and DELETE, and each row
carries the previous row's hash so ``manage.py audit_verify`` finds any row
edited, deleted or swapped behind the triggers' back.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduling.models import Appointment, Organization, Provider

# --- jurisdiction rules (data) ------------------------------------------------------


class Jurisdiction(models.Model):
    """A notarial regime: China's overseas remote video programme, a US RULONA state, ...

    ``eligibility`` is a small rule object read by ``services.eligibility_problems``:
    ``{"nationality": ["CN"], "min_days_abroad": 180, "destination_countries": ["CN"]}``
    (each key optional).
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    source = models.CharField(max_length=500, blank=True, help_text="The statute or programme these rules encode.")
    eligibility = models.JSONField(default=dict, blank=True)
    identity_second_factor = models.CharField(
        max_length=20, default="face_comparison", help_text="face_comparison | knowledge_based | none"
    )
    max_identity_failures = models.PositiveSmallIntegerField(default=2)
    identity_lock_hours = models.PositiveSmallIntegerField(default=24)
    host_site_required = models.BooleanField(default=False)
    retention_years = models.PositiveSmallIntegerField(help_text="Journal, recordings and case files.")
    certificate_prefix = models.CharField(max_length=20, default="LXN")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class MatterType(models.Model):
    """What can be notarized under a jurisdiction, with the document kinds it needs and its flags."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="matter_types")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    act_type = models.CharField(max_length=40, default="acknowledgment", help_text="The notarial act performed.")
    required_documents = models.JSONField(default=list, help_text="DocumentKind codes")
    interpreter_allowed = models.BooleanField(default=True)
    paper_original_required = models.BooleanField(default=False)
    host_site_required = models.BooleanField(default=False)
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="CNY")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["jurisdiction__code", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.jurisdiction.code})"


class ReasonKind(models.TextChoices):
    REFUSAL = "refusal", "Refusal (reject)"
    TERMINATION = "termination", "Termination of a session"
    REVOCATION = "revocation", "Revocation of a certificate"


class ReasonCode(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="reason_codes")
    kind = models.CharField(max_length=12, choices=ReasonKind.choices)
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    label_zh = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["jurisdiction__code", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "code"], name="reason_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class NotaryOffice(models.Model):
    """The notarial side of a notary-office organization: which jurisdiction's rules it applies."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="notary_office")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="offices")
    name_zh = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return str(self.organization)


# --- cases --------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_INFO = "needs_info", _("Needs information")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_SESSION = "in_session", _("In session")
    NOTARIZED = "notarized", _("Notarized")
    TERMINATED = "terminated", _("Terminated")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Case(models.Model):
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notary_cases")
    office = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="notary_cases")
    matter_type = models.ForeignKey(MatterType, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    destination_country = models.CharField(max_length=2)
    residence_country = models.CharField(max_length=2)
    resident_abroad_since = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, blank=True)
    description = models.TextField(max_length=4000, blank=True)
    language = models.CharField(max_length=10, default="en")
    signer_address = models.CharField(max_length=500, blank=True)
    info_request = models.TextField(max_length=2000, blank=True)
    reason_code = models.CharField(max_length=60, blank=True)
    reason_note = models.TextField(max_length=2000, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="notary_cases"
    )
    notary = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="notary_cases")
    session_started_at = models.DateTimeField(null=True, blank=True)
    signer_location = models.CharField(max_length=300, blank=True)
    notary_location = models.CharField(max_length=300, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notarized_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "status"], name="notary_case_office_status")]

    def __str__(self) -> str:
        return f"case #{self.pk} {self.matter_type.code} {self.status}"


class Document(models.Model):
    """One uploaded version of one document kind; the newest version per kind is the current one.

    ``storage_name`` is a random name under ``MEDIA_ROOT/notary/``; the client's
    filename is kept for display only and never touches the filesystem.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True, help_text="File deleted after the retention period.")

    class Meta:
        ordering = ["kind", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="notary_document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} {self.sha256[:12]}"


class CaseParticipant(models.Model):
    """Someone besides the signer and the notary: witness, interpreter (where allowed), consular officer."""

    class Role(models.TextChoices):
        WITNESS = "witness", "Witness"
        INTERPRETER = "interpreter", "Interpreter"
        CONSULAR_OFFICER = "consular_officer", "Consular officer"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="participants")
    role = models.CharField(max_length=20, choices=Role.choices)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.role} {self.full_name}"


class IdentityDocumentType(models.TextChoices):
    """The credential the notary examines (``IdentityCheck.document_type``; the API accepts these codes)."""

    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity card")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    DRIVER_LICENCE = "driver_licence", _("Driving licence")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document")


class IdentityMethod(models.TextChoices):
    """How the notary confirmed the credential belongs to the signer (``IdentityCheck.method``)."""

    FACE_COMPARISON = "face_comparison", _("Face comparison with the document photo")
    KNOWLEDGE_BASED = "knowledge_based", _("Knowledge-based questions")
    CREDENTIAL_ANALYSIS = "credential_analysis", _("Credential analysis")
    CONSULAR_OFFICER = "consular_officer", _("Consular officer present")


class IdentityResult(models.TextChoices):
    PASS = "pass", _("Passed")
    FAIL = "fail", _("Failed")


class IdentityCheck(models.Model):
    """One identity verification attempt recorded by the notary.

    The full document number is never stored: ``document_number_masked`` keeps the
    last four characters (``*****5678``) and ``document_number_hash`` is a keyed
    HMAC-SHA256 of the normalised number (``notary.identity.document_number_hash``),
    so a later attempt with the same document can be matched without the number.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="identity_checks")
    notary = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    document_type = models.CharField(max_length=30)
    issuing_country = models.CharField(max_length=2)
    document_number_masked = models.CharField(max_length=40)
    document_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_on = models.DateField()
    method = models.CharField(max_length=30)
    result = models.CharField(max_length=4, choices=[("pass", "pass"), ("fail", "fail")])
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.document_type} {self.document_number_masked} {self.result}"


# --- journal, audit, certificate -------------------------------------------------


class JournalEntry(models.Model):
    """One notarial act (or refusal) in the notary's journal: append-only, numbered 1, 2, ... per notary.

    Fields follow RULONA §19 and the MISMO RON standard (see cases/notary.md).
    ``amends`` links an amendment (e.g. a revocation) to the entry it corrects;
    ``prev_hash``/``row_hash`` chain the entries of one notary.
    """

    notary = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="journal_entries")
    entry_number = models.PositiveIntegerField()
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="journal_entries")
    amends = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments")
    recorded_at = models.DateTimeField()
    notary_timezone = models.CharField(max_length=64)
    signer_timezone = models.CharField(max_length=64)
    notary_location = models.CharField(max_length=300)
    signer_location = models.CharField(max_length=300)
    act_type = models.CharField(max_length=40)
    matter_type = models.CharField(max_length=60)
    documents = models.JSONField(default=list)
    signer_name = models.CharField(max_length=200)
    signer_address = models.CharField(max_length=500)
    identity_evidence = models.JSONField(default=dict)
    participants = models.JSONField(default=list)
    recording_ref = models.CharField(max_length=200, blank=True)
    recording_sha256 = models.CharField(max_length=64, blank=True)
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="CNY")
    outcome = models.CharField(max_length=20)
    reason_code = models.CharField(max_length=60, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["notary_id", "entry_number"]
        constraints = [
            models.UniqueConstraint(fields=["notary", "entry_number"], name="journal_entry_number_unique"),
        ]

    def __str__(self) -> str:
        return f"journal {self.notary_id}#{self.entry_number}"


class AuditEvent(models.Model):
    """One row of the hash-chained audit log: ``row_hash = sha256(canonical(row) + prev_hash)``.

    ``seq`` is 1, 2, 3, ... with no gaps (assigned under a lock, unlike the id
    sequence, which PostgreSQL does not roll back).
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=60)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    target = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"audit #{self.seq} {self.action}"


def _verification_code() -> str:
    return secrets.token_urlsafe(18)


class Certificate(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(max_length=60, unique=True)
    verification_code = models.CharField(max_length=40, unique=True, default=_verification_code)
    issued_at = models.DateTimeField()
    storage_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    document_sha256 = models.JSONField(default=list)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason_code = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return self.number

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "valid"


class RecordingChunk(models.Model):
    """One chunk of the session recording (browser MediaRecorder, WebM), as uploaded by the notary's room page.

    The manifest (index, size, SHA-256 of every chunk) is hashed into the journal
    entry's ``recording_sha256`` when the act is performed or refused.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recording_chunks")
    index = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    uploaded_at = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True, help_text="File deleted after the retention period.")

    class Meta:
        ordering = ["case_id", "index"]
        constraints = [models.UniqueConstraint(fields=["case", "index"], name="recording_chunk_index_unique")]

    def __str__(self) -> str:
        return f"case {self.case_id} chunk {self.index}"


class HostSite(models.Model):
    """A mission or visa centre where the applicant sits with a consular officer (the programme's consulate model).

    ``weekly``: ``[{"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}]`` and
    ``overrides``: ``[{"date": "YYYY-MM-DD", "available": bool, "start"?, "end"?}]``,
    wall-clock times in the organization's IANA zone, read like a provider's rules.
    """

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="host_site")
    weekly = models.JSONField(default=list, blank=True)
    overrides = models.JSONField(default=list, blank=True)
    consular_officer_name = models.CharField(max_length=200, blank=True)
    # Where the officer's invite link to each session's video room goes (they need no account).
    consular_officer_email = models.EmailField(blank=True)

    def __str__(self) -> str:
        return str(self.organization)


class HostSiteBooking(models.Model):
    """The host site's room held for one appointment, ``[start, end)`` UTC.

    PostgreSQL refuses two unreleased bookings of one site that overlap
    (exclusion constraint ``host_site_booking_no_overlap``, migration 0006).
    Bookings whose appointment was cancelled are released when a new booking needs the time.
    """

    host_site = models.ForeignKey(HostSite, on_delete=models.PROTECT, related_name="bookings")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="host_site_booking")
    start = models.DateTimeField()
    end = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.host_site} {self.start:%Y-%m-%d %H:%M}Z"
