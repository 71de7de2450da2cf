from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import CalendarYear, SpecialDay


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "is_complete", "source", "updated_at")
    list_filter = ("is_complete",)


@admin.register(SpecialDay)
class SpecialDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("year", "is_workday")
    date_hierarchy = "date"
