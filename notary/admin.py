"""Admin: jurisdiction rules are edited here (data, not code); the journal and audit log are read-only."""

from django.contrib import admin

from .models import (
    AuditEvent,
    Case,
    Certificate,
    DocumentKind,
    HostSite,
    JournalEntry,
    Jurisdiction,
    MatterType,
    NotaryOffice,
    ReasonCode,
)


class MatterTypeInline(admin.TabularInline):
    model = MatterType
    extra = 0
    fields = [
        "code",
        "name",
        "name_zh",
        "act_type",
        "required_documents",
        "interpreter_allowed",
        "paper_original_required",
        "host_site_required",
        "fee",
        "currency",
        "is_active",
    ]


class ReasonCodeInline(admin.TabularInline):
    model = ReasonCode
    extra = 0


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "retention_years", "max_identity_failures", "identity_lock_hours"]
    inlines = [MatterTypeInline, ReasonCodeInline]


@admin.register(MatterType)
class MatterTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "jurisdiction", "interpreter_allowed", "paper_original_required", "fee", "currency"]
    list_filter = ["jurisdiction", "interpreter_allowed", "paper_original_required"]


@admin.register(DocumentKind)
class DocumentKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh"]


@admin.register(NotaryOffice)
class NotaryOfficeAdmin(admin.ModelAdmin):
    list_display = ["organization", "jurisdiction"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "matter_type", "office", "status", "created_at"]
    list_filter = ["status", "office"]
    readonly_fields = [f.name for f in Case._meta.fields if f.name != "legal_hold"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["notary", "entry_number", "matter_type", "outcome", "recorded_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "action", "case_id", "actor_id"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_at", "revoked_at"]


@admin.register(HostSite)
class HostSiteAdmin(admin.ModelAdmin):
    list_display = ["organization", "consular_officer_name"]
