from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import District, DistrictPopulation, Street


@admin.register(District)
class DistrictAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind")


@admin.register(DistrictPopulation)
class DistrictPopulationAdmin(ReadOnlyAdmin):
    list_display = ("district", "year", "population", "status")
    list_filter = ("year", "status")


@admin.register(Street)
class StreetAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "district")
    list_filter = ("district",)
