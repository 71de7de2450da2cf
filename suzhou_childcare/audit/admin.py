from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_username", "action", "object_repr", "request_id")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_username", "request_id")
