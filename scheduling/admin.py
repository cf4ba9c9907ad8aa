"""Admin: every instant is shown in UTC and in the provider's zone."""

from zoneinfo import ZoneInfo

from django.contrib import admin

from .models import Appointment, AvailabilityOverride, AvailabilityRule, Organization, Provider, ServiceType


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "timezone"]
    list_filter = ["kind"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "provider_kind",
        "duration_minutes",
        "minimum_notice_minutes",
        "booking_window_days",
    ]


class AvailabilityRuleInline(admin.TabularInline):
    model = AvailabilityRule
    extra = 0


class AvailabilityOverrideInline(admin.TabularInline):
    model = AvailabilityOverride
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "organization", "timezone", "is_active"]
    list_filter = ["kind", "organization"]
    inlines = [AvailabilityRuleInline, AvailabilityOverrideInline]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "service", "client", "start_utc", "start_provider_local", "status", "sequence"]
    list_filter = ["status", "service"]
    readonly_fields = ["uid", "sequence", "blocked_start", "blocked_end", "created_at", "updated_at"]
    search_fields = ["uid", "client__email"]

    @admin.display(description="start (UTC)", ordering="start")
    def start_utc(self, obj):
        return obj.start.strftime("%Y-%m-%d %H:%M UTC")

    @admin.display(description="start (provider's zone)")
    def start_provider_local(self, obj):
        local = obj.start.astimezone(ZoneInfo(obj.provider.timezone))
        return f"{local:%Y-%m-%d %H:%M} {obj.provider.timezone}"
