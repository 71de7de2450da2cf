from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import Facility, FacilityVersion, Material, StaffMember, StandardRule


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    list_display = ("name", "district", "category", "form", "filing_status", "filing_number", "slots", "enrolled")
    list_filter = ("district", "category", "form", "filing_status")
    search_fields = ("name", "filing_number", "uscc")
    exclude = ("pending_changes",)


@admin.register(FacilityVersion)
class FacilityVersionAdmin(ReadOnlyAdmin):
    list_display = ("facility", "valid_from", "valid_to", "filing_status", "slots", "enrolled")
    exclude = ("snapshot",)


@admin.register(StaffMember)
class StaffMemberAdmin(ReadOnlyAdmin):
    list_display = ("facility", "role", "full_time", "employed_from", "employed_to")
    list_filter = ("role",)
    exclude = ("person",)


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ("facility", "kind", "content_type", "size", "expires_on", "uploaded_at")
    exclude = ("file",)


@admin.register(StandardRule)
class StandardRuleAdmin(ReadOnlyAdmin):
    list_display = ("code", "value", "edition", "effective_from", "effective_to", "is_default", "clause")
    list_filter = ("is_default", "edition")
