"""The statistics API, mounted at /api/v1/statistics/ (names in the "api" namespace, prefixed "statistics-")."""

from django.urls import path

from . import api_statistics

urlpatterns = [
    path("indicators/", api_statistics.IndicatorListApi.as_view(), name="statistics-indicators"),
    path("districts/", api_statistics.DistrictFiguresApi.as_view(), name="statistics-districts"),
    path("city/", api_statistics.CityFiguresApi.as_view(), name="statistics-city"),
    path("series/", api_statistics.SeriesApi.as_view(), name="statistics-series"),
    path("drilldown/", api_statistics.DrilldownApi.as_view(), name="statistics-drilldown"),
]
