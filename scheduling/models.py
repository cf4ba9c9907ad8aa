"""Scheduling data: organizations, providers, services, availability and appointments.

Instants are UTC-aware and half-open ``[start, end)``. Availability rules and
overrides are wall-clock times in the provider's IANA zone; overrides are keyed
by the provider's local date. ``Appointment.blocked_start``/``blocked_end`` is
the interval widened by the service's buffers: PostgreSQL refuses two active
appointments of one provider whose blocked intervals overlap (exclusion
constraint ``appointment_no_overlap``, migration 0002).
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from accounts.validators import validate_timezone


class OrganizationKind(models.TextChoices):
    LEGAL_AID_CENTRE = "legal_aid_centre", _("Legal aid centre")
    LAW_FIRM = "law_firm", _("Law firm")
    NOTARY_OFFICE = "notary_office", _("Notary office")
    HOST_SITE = "host_site", _("Host site (mission or visa centre)")


class ProviderKind(models.TextChoices):
    LAWYER = "lawyer", _("Lawyer")
    NOTARY = "notary", _("Notary")


class Organization(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    region = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    email = models.EmailField(blank=True, help_text="The office mailbox; ORGANIZER of calendar invites.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    """What can be booked: its length, buffers, notice, booking window and slot grid (minutes/days)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    provider_kind = models.CharField(max_length=10, choices=ProviderKind.choices)
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(5), MaxValueValidator(24 * 60)])
    buffer_before_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(24 * 60)])
    buffer_after_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(24 * 60)])
    minimum_notice_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(365 * 24 * 60)])
    booking_window_days = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    slot_interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5)], help_text="Defaults to the duration."
    )
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="CNY")
    legal_aid_free = models.BooleanField(default=False)
    max_participants = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(2), MaxValueValidator(8)]
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def interval_minutes(self) -> int:
        return self.slot_interval_minutes or self.duration_minutes


# Display names of the practice-area codes providers list (``Provider.practice_areas``).
# The codes are data (a provider may list any); one without a name here is shown as is.
PRACTICE_AREA_NAMES = {
    "administrative": _("Administrative law"),
    "consumer": _("Consumer rights"),
    "contract": _("Contracts"),
    "criminal": _("Criminal defence"),
    "elderly": _("Rights of the elderly"),
    "family": _("Family and marriage"),
    "immigration": _("Immigration"),
    "inheritance": _("Inheritance"),
    "labour": _("Labour disputes"),
    "migrant_workers": _("Migrant workers' rights"),
    "notarization": _("Notarization"),
    "property": _("Property and housing"),
    "traffic": _("Traffic accidents"),
}


class Provider(models.Model):
    """A lawyer or notary who can be booked; rules are read in ``timezone`` (IANA)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider")
    kind = models.CharField(max_length=10, choices=ProviderKind.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="providers"
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    languages = models.JSONField(default=list, blank=True)
    practice_areas = models.JSONField(default=list, blank=True)
    services = models.ManyToManyField(ServiceType, related_name="providers", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user.full_name} ({self.get_kind_display()})"

    @property
    def name(self) -> str:
        return self.user.full_name

    @property
    def language_names(self) -> list[str]:
        """The languages spoken, by name (``["简体中文", "English"]``); an unknown code as is."""
        names = dict(Language.choices)
        return [str(names.get(code, code)) for code in self.languages]

    @property
    def practice_area_names(self) -> list[str]:
        """The practice areas in the active language (``PRACTICE_AREA_NAMES``); an unknown code as is."""
        return [str(PRACTICE_AREA_NAMES.get(code, code)) for code in self.practice_areas]


class AvailabilityRule(models.Model):
    """A weekly window: ISO weekday (Monday=1) and wall-clock times; ``end <= start`` runs past midnight."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)])
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=1, weekday__lte=7), name="availability_rule_iso_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityOverride(models.Model):
    """A provider-local date that replaces the weekly rules: closed, or one of its replacement windows."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="availability_overrides")
    date = models.DateField()
    available = models.BooleanField(default=False)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available=False, start_time__isnull=True, end_time__isnull=True)
                | models.Q(available=True, start_time__isnull=False, end_time__isnull=False),
                name="availability_override_hours_iff_available",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'open' if self.available else 'closed'}"


class AppointmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


# Statuses that hold time on the provider's calendar (and in the exclusion constraint).
ACTIVE_STATUSES = (AppointmentStatus.CONFIRMED,)


def _new_uid() -> str:
    return uuid.uuid4().hex


class Appointment(models.Model):
    """A booked session. ``start``/``end`` are UTC; ``blocked_*`` adds the service's buffers.

    ``uid`` is the iCalendar UID for the appointment's whole life and ``sequence``
    its RFC 5546 SEQUENCE, raised by every reschedule and the cancellation.
    """

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="appointments")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.CONFIRMED)
    client_timezone = models.CharField(max_length=64, validators=[validate_timezone])
    language = models.CharField(max_length=10, default="en")
    notes = models.TextField(blank=True, max_length=2000)
    uid = models.CharField(max_length=64, unique=True, default=_new_uid)
    sequence = models.PositiveIntegerField(default=0)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["provider", "status", "blocked_start"], name="appointment_provider_busy"),
            models.Index(fields=["client", "start"], name="appointment_client_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(blocked_start__lte=models.F("start"), blocked_end__gte=models.F("end")),
                name="appointment_blocked_covers_session",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.provider} {self.start:%Y-%m-%d %H:%M}Z"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class IdempotencyRecord(models.Model):
    """The first answer to a booking POST with an ``Idempotency-Key``, replayed verbatim.

    Unique per (user, key). ``fingerprint`` is the SHA-256 of the request's
    canonical JSON: the same key with another body is refused (422), as Stripe does.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # Null only inside the booking transaction that claimed the key.
    appointment = models.ForeignKey(Appointment, null=True, on_delete=models.CASCADE, related_name="+")
    response_status = models.PositiveSmallIntegerField(default=201)
    # JSON text, not jsonb: PostgreSQL's jsonb reorders keys and the replay must be byte-identical.
    response_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's secret calendar feed address ``/calendar/<token>.ics`` (no login; rotating it kills the old link).

    The token is shown back to its owner (``GET /api/v1/me/feed/``), so it is
    stored as is, like DRF's auth tokens: 43 URL-safe characters, 256 bits.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed of user {self.user_id}"


class NoticeKind(models.TextChoices):
    BOOKED = "booked", "Booked"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    REMINDER_24H = "reminder_24h", "Reminder 24 h before"
    REMINDER_1H = "reminder_1h", "Reminder 1 h before"


class NoticeStatus(models.TextChoices):
    SENDING = "sending", "Claimed by a sender"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (retried by send_reminders)"


class AppointmentNotice(models.Model):
    """One email about one appointment version to one participant, claimed before it is sent.

    Unique per (appointment, kind, sequence, recipient): whoever inserts the row
    (or flips it from ``failed`` back to ``sending``) is the only one to send it,
    so overlapping ``send_reminders`` runs and the after-commit hooks never send
    the same email twice. A reschedule raises ``sequence``, so the new time gets
    its own reminders.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    sequence = models.PositiveIntegerField()
    recipient = models.CharField(max_length=10, choices=[("client", "Client"), ("provider", "Provider")])
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "sequence", "recipient"], name="appointment_notice_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="appointment_notice_retry")]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind} #{self.sequence} to {self.recipient}: {self.status}"
