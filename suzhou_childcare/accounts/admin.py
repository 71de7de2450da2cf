from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "role", "district", "is_citywide", "is_active", "last_login")
    list_filter = ("role", "district", "is_active")
    search_fields = ("username", "first_name", "organisation")
    exclude = ("password", "id_number", "id_number_index")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "user", "created_at", "expires_at", "last_used_at")
    exclude = ("key_hash",)
