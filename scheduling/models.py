"""Scheduling data: organizations, providers, services, availability and appointments.

Instants are UTC-aware and half-open ``[start, end)``. Availability rules and
overrides are wall-clock times in the provider's IANA zone; overrides are keyed
by the provider's local date. ``Appointment.blocked_start``/``blocked_end`` is
the interval widened by the service's buffers: PostgreSQL refuses two active
appointments of one provider whose blocked intervals overlap (exclusion
constraint ``appointment_no_overlap``, migration 0002).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
