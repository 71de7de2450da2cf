from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import AuditEntry, AuditSeal, AuditVerification


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_username", "action", "object_repr", "request_id")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_username", "request_id")


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("position", "entry_id", "hash", "sealed_at")


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "ok", "verified", "unsealed", "broken_position")
