"""The statistics API (/api/v1/statistics/): the indicator catalogue, a month's figures per unit and for the city,
a figure's monthly series, and the facilities behind a facility-based figure.

A stable contract for REST clients. Reads come from the compiled snapshots (latest revision of each figure),
never from the source tables, except the drill-down, which recomputes one unit's figure live so that its rows
sum to it. Counts are JSON integers; rates, per-thousand figures and yuan are JSON numbers trimmed of trailing
zeros; a figure whose source has no data is null. `?format=csv` gives the same as UTF-8 CSV with a BOM.

Answers carry an ETag (the month's last change and the query) and Last-Modified (the month's last change), and
answer 304 to a matching If-None-Match / If-Modified-Since; bodies are cached under the same key, so a
compile that changes a figure (and so the month's `changed_at`) invalidates them without any signal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.drf import PageSizePagination
from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.permissions import CanReadStatistics

from . import selectors
from .catalogue import CODES
from .compilation import as_of_day
from .models import PeriodState, SnapshotStatus

TAGS = ["statistics"]
MAX_SERIES_MONTHS = 120
CACHE_SECONDS = 24 * 3600
INTEGER_UNITS = frozenset({"count", "persons"})
CITY_NAME = "苏州市"
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_UNIT_CODE = re.compile(r"[0-9]{6}")


# --- values and months ----------------------------------------------------------------------------------------


def parse_month(raw: str | None, *, field: str, required: bool = True) -> date | None:
    """A month as YYYY-MM (ASCII digits, a real month, 1949–2100) → its first day; else 400 naming `field`."""
    if raw is None or raw == "":
        if required:
            raise ValidationFailed(fields={field: [_("This parameter is required (a month as YYYY-MM).")]})
        return None
    match = _MONTH.fullmatch(raw)
    if not match or not 1949 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(fields={field: [_("Enter a month as YYYY-MM, e.g. 2021-05.")]})
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(period: date) -> str:
    return f"{period:%Y-%m}"


def trimmed(value: Decimal | None, unit: str) -> int | Decimal | None:
    """The stored figure without the storage's trailing zeros: an int for counts and whole numbers."""
    if value is None:
        return None
    if unit in INTEGER_UNITS or value == value.to_integral_value():
        return int(value)
    return value.normalize()


def csv_number(value: int | Decimal | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else format(value, "f")


def _timestamp(value: datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def _safe(cell: Any) -> Any:
    """A text cell Excel would read as a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def not_compiled(period: date) -> NotFound:
    return NotFound(
        _("The figures of %(period)s have not been compiled yet.") % {"period": format_month(period)},
        code="not_compiled",
    )


# --- the frame every statistics endpoint shares -------------------------------------------------------------------


class CsvRenderer(BaseRenderer):
    """Selected by `?format=csv` (or Accept: text/csv); views hand it finished bytes."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, bytes):
            return data
        return str(data).encode("utf-8")


class StatisticsApi(APIView):
    """Read-only, aggregates only: the roles that read statistics (others 403, statistics clients nowhere else)."""

    permission_classes = [CanReadStatistics]
    statistics_endpoint = True
    renderer_classes = [JSONRenderer, CsvRenderer]
    cache_name = "statistics"

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if force:
                return JSONRenderer(), JSONRenderer.media_type
            raise ValidationFailed(fields={"format": [_("Choose json or csv.")]}) from None

    def handle_exception(self, exc):
        # Errors always in the JSON error shape, whatever format was asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def wants_csv(self, request) -> bool:
        return getattr(request.accepted_renderer, "format", "json") == "csv"

    def conditional(
        self,
        request,
        *,
        query: dict[str, Any],
        changed_at: datetime | None,
        build: Callable[[bool], Any],
        filename: str,
    ) -> HttpResponseBase:
        """Answer 304 when the client holds the current version; else the (cached) body with its validators."""
        as_csv = self.wants_csv(request)
        fingerprint = hashlib.sha256(
            json.dumps(
                [self.cache_name, changed_at.isoformat() if changed_at else None, "csv" if as_csv else "json", query],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        etag = f'"{fingerprint[:40]}"'
        last_modified = int(changed_at.timestamp()) if changed_at else None
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            key = f"reports:statistics:{fingerprint}"
            body = cache.get(key)
            if body is None:
                body = build(as_csv)
                cache.set(key, body, CACHE_SECONDS)
            if as_csv:
                response = HttpResponse(body, content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
            else:
                response = Response(body)
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        # Revalidate every time (cheap: one query), never share between users.
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ["Accept"])
        return response


def _state_or_404(period: date) -> PeriodState:
    state = selectors.period_state(period=period)
    if state is None:
        raise not_compiled(period)
    return state


FORMAT_PARAMETER = OpenApiParameter("format", str, enum=["json", "csv"], description="`csv` for a UTF-8 CSV file.")
PERIOD_PARAMETER = OpenApiParameter("period", str, required=True, description="The month, as YYYY-MM.")
CSV_RESPONSE = {(200, "text/csv"): OpenApiTypes.STR}
ERROR_SHAPE = inline_serializer(
    "StatisticsError",
    fields={
        "code": serializers.CharField(help_text="invalid, permission_denied, not_found or not_compiled"),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "clause": serializers.CharField(allow_null=True),
    },
)
ERRORS = {(status, "application/json"): ERROR_SHAPE for status in (400, 403, 404)}


# --- the catalogue --------------------------------------------------------------------------------------------


class IndicatorListApi(StatisticsApi):
    """The indicator catalogue in force today: what each code means and how it is computed."""

    cache_name = "indicators"

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name_zh = serializers.CharField()
        name_en = serializers.CharField()
        formula = serializers.CharField()
        unit = serializers.CharField(help_text="count, percent, per_thousand, yuan or persons")
        source_app = serializers.CharField()
        effective_from = serializers.DateField()

    @extend_schema(
        tags=TAGS,
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "application/json"): inline_serializer(
                "StatisticsIndicatorListOutput",
                fields={"count": serializers.IntegerField(), "results": OutputSerializer(many=True)},
            ),
            **CSV_RESPONSE,
            **ERRORS,
        },
    )
    def get(self, request):
        rows = self.OutputSerializer(selectors.catalogue_in_force(), many=True).data
        version = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()

        def build(as_csv: bool):
            if as_csv:
                fields = ["code", "name_zh", "name_en", "formula", "unit", "source_app", "effective_from"]
                return csv_bytes(fields, ([row[f] for f in fields] for row in rows))
            return {"count": len(rows), "results": rows}

        return self.conditional(
            request, query={"catalogue": version}, changed_at=None, build=build, filename="indicators"
        )


# --- one month --------------------------------------------------------------------------------------------------


def _indicators_of(snapshots: dict[str, Any], codes: list[str], units: dict[str, str]) -> dict[str, Any]:
    return {
        code: trimmed(snapshots[code].value, units.get(code, "count")) if code in snapshots else None for code in codes
    }


def _estimated_of(snapshots: dict[str, Any], codes: list[str]) -> list[str]:
    return [code for code in codes if code in snapshots and snapshots[code].estimated]


def _month_rows(period: date, *, city: bool) -> tuple[dict[str | None, dict[str, Any]], list, dict, str | None]:
    """The month's latest snapshots by unit and indicator, the catalogue's codes, their units, the as-of time."""
    catalogue = selectors.catalogue_in_force(on=period)
    codes = [row.code for row in catalogue] or list(CODES)
    units = selectors.indicator_units(catalogue=catalogue)
    by_unit: dict[str | None, dict[str, Any]] = defaultdict(dict)
    as_of = None
    for snapshot in selectors.period_snapshots(period=period, city=city):
        by_unit[snapshot.district_id][snapshot.indicator] = snapshot
        as_of = snapshot.as_of if as_of is None or snapshot.as_of > as_of else as_of
    return by_unit, codes, units, _timestamp(as_of)


def figures_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Indicator code → value (integer for counts, number otherwise, null when the source has no data).",
    )


def estimated_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the figures resting on an estimated population."
    )


class MonthOutputSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the latest of these figures was compiled.")
    status = serializers.CharField(help_text="provisional or final")


class DistrictFiguresApi(StatisticsApi):
    """Every county-level unit's figures for a month (all ten, for the ranking)."""

    cache_name = "districts"

    class OutputSerializer(MonthOutputSerializer):
        results = inline_serializer(
            "StatisticsDistrictFigures",
            many=True,
            fields={
                "district": serializers.CharField(help_text="The unit's code, e.g. 320508."),
                "name": serializers.CharField(),
                "indicators": figures_field(),
                "estimated": estimated_field(),
            },
        )

    @extend_schema(
        tags=TAGS,
        parameters=[PERIOD_PARAMETER, FORMAT_PARAMETER],
        responses={(200, "application/json"): OutputSerializer, **CSV_RESPONSE, **ERRORS},
    )
    def get(self, request):
        period = parse_month(request.query_params.get("period"), field="period")
        state = _state_or_404(period)

        def build(as_csv: bool):
            by_unit, codes, units, as_of = _month_rows(period, city=False)
            names = selectors.district_names()
            if as_csv:
                return csv_bytes(
                    ["period", "district", "name", "indicator", "value", "unit", "status", "estimated"],
                    (
                        _csv_row(period, code, names[code], indicator, by_unit[code].get(indicator), units)
                        for code in sorted(names)
                        for indicator in codes
                    ),
                )
            return {
                "period": format_month(period),
                "as_of": as_of,
                "status": state.status or SnapshotStatus.PROVISIONAL,
                "results": [
                    {
                        "district": code,
                        "name": names[code],
                        "indicators": _indicators_of(by_unit[code], codes, units),
                        "estimated": _estimated_of(by_unit[code], codes),
                    }
                    for code in sorted(names)
                ],
            }

        return self.conditional(
            request,
            query={"period": format_month(period)},
            changed_at=state.changed_at or state.compiled_at,
            build=build,
            filename=f"statistics-districts-{format_month(period)}",
        )


def _csv_row(period: date, unit_code: str, name: str, indicator: str, snapshot, units: dict[str, str]) -> list:
    unit = units.get(indicator, "count")
    if snapshot is None:
        return [format_month(period), unit_code, name, indicator, "", unit, SnapshotStatus.UNAVAILABLE, "no"]
    return [
        format_month(period),
        unit_code,
        name,
        indicator,
        csv_number(trimmed(snapshot.value, unit)),
        unit,
        snapshot.status,
        "yes" if snapshot.estimated else "no",
    ]


class CityFiguresApi(StatisticsApi):
    """The city's figures for a month: counts summed over the units, rates from summed numerators."""

    cache_name = "city"

    class OutputSerializer(MonthOutputSerializer):
        indicators = figures_field()
        estimated = estimated_field()

    @extend_schema(
        tags=TAGS,
        parameters=[PERIOD_PARAMETER, FORMAT_PARAMETER],
        responses={(200, "application/json"): OutputSerializer, **CSV_RESPONSE, **ERRORS},
    )
    def get(self, request):
        period = parse_month(request.query_params.get("period"), field="period")
        state = _state_or_404(period)

        def build(as_csv: bool):
            by_unit, codes, units, as_of = _month_rows(period, city=True)
            city = by_unit[None]
            if as_csv:
                return csv_bytes(
                    ["period", "district", "name", "indicator", "value", "unit", "status", "estimated"],
                    (_csv_row(period, selectors.CITY, CITY_NAME, code, city.get(code), units) for code in codes),
                )
            return {
                "period": format_month(period),
                "as_of": as_of,
                "status": state.status or SnapshotStatus.PROVISIONAL,
                "indicators": _indicators_of(city, codes, units),
                "estimated": _estimated_of(city, codes),
            }

        return self.conditional(
            request,
            query={"period": format_month(period)},
            changed_at=state.changed_at or state.compiled_at,
            build=build,
            filename=f"statistics-city-{format_month(period)}",
        )


# --- one figure over time ---------------------------------------------------------------------------------------


def _known_indicator(raw: str | None, *, allowed: Iterable[str], field: str = "indicator") -> str:
    if not raw:
        raise ValidationFailed(fields={field: [_("This parameter is required.")]})
    if raw not in set(allowed):
        raise ValidationFailed(fields={field: [_("Unknown indicator.")]})
    return raw


def _unit_or_city(raw: str | None, *, field: str = "district") -> str | None:
    """A unit's code, or "city" (returned as None); unknown codes are a 400 naming the field."""
    if not raw:
        raise ValidationFailed(fields={field: [_("This parameter is required (a unit's code or city).")]})
    if raw == selectors.CITY:
        return None
    if not _UNIT_CODE.fullmatch(raw) or raw not in selectors.district_names([raw]):
        raise ValidationFailed(fields={field: [_("Unknown county-level unit.")]})
    return raw


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _shift_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class SeriesApi(StatisticsApi):
    """One figure of a unit (or the city) month by month: the compiled months of the range, oldest first."""

    cache_name = "series"

    class OutputSerializer(serializers.Serializer):
        indicator = serializers.CharField()
        district = serializers.CharField(help_text="The unit's code, or city.")
        results = inline_serializer(
            "StatisticsSeriesPoint",
            many=True,
            fields={
                "period": serializers.CharField(help_text="YYYY-MM"),
                "value": serializers.FloatField(allow_null=True),
                "status": serializers.CharField(help_text="provisional, final or unavailable"),
                "revision": serializers.IntegerField(),
            },
        )

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("indicator", str, required=True, description="An indicator code."),
            OpenApiParameter("district", str, required=True, description="A unit's code, or `city`."),
            OpenApiParameter("from", str, description="First month, YYYY-MM (default: 11 months before `to`)."),
            OpenApiParameter("to", str, description="Last month, YYYY-MM (default: this month)."),
            FORMAT_PARAMETER,
        ],
        responses={(200, "application/json"): OutputSerializer, **CSV_RESPONSE, **ERRORS},
    )
    def get(self, request):
        params = request.query_params
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        units = selectors.indicator_units()
        checks = {
            "indicator": lambda: _known_indicator(params.get("indicator"), allowed=units),
            "district": lambda: _unit_or_city(params.get("district")),
            "from": lambda: parse_month(params.get("from"), field="from", required=False),
            "to": lambda: parse_month(params.get("to"), field="to", required=False),
        }
        for name, check in checks.items():
            try:
                values[name] = check()
            except ValidationFailed as exc:
                errors.update(exc.fields)
        if errors:
            raise ValidationFailed(fields=errors)
        end = values["to"] or timezone.localdate().replace(day=1)
        start = values["from"] or _shift_months(end, -11)
        if start > end:
            raise ValidationFailed(fields={"from": [_("The first month must not be after the last.")]})
        if _months_between(start, end) > MAX_SERIES_MONTHS:
            raise ValidationFailed(
                fields={"to": [_("A series covers at most %(n)d months.") % {"n": MAX_SERIES_MONTHS}]}
            )
        indicator, district_code = values["indicator"], values["district"]
        district_label = district_code or selectors.CITY
        states = selectors.states_between(start=start, end=end)
        unit = units.get(indicator, "count")

        def build(as_csv: bool):
            points = [
                {
                    "period": format_month(snapshot.period),
                    "value": trimmed(snapshot.value, unit),
                    "status": snapshot.status,
                    "revision": snapshot.revision,
                }
                for snapshot in selectors.series(indicator=indicator, district_code=district_code, start=start, end=end)
            ]
            if as_csv:
                return csv_bytes(
                    ["period", "district", "indicator", "value", "unit", "status", "revision"],
                    (
                        [
                            p["period"],
                            district_label,
                            indicator,
                            csv_number(p["value"]),
                            unit,
                            p["status"],
                            p["revision"],
                        ]
                        for p in points
                    ),
                )
            return {"indicator": indicator, "district": district_label, "results": points}

        return self.conditional(
            request,
            query={
                "indicator": indicator,
                "district": district_label,
                "from": format_month(start),
                "to": format_month(end),
                "months": states["months"],
            },
            changed_at=states["changed_at"] or states["compiled_at"],
            build=build,
            filename=f"statistics-series-{indicator}-{district_label}",
        )


# --- drill-down -------------------------------------------------------------------------------------------------


class DrilldownApi(StatisticsApi):
    """The facilities behind a facility-based figure of a unit, recomputed live as of the month's as-of day.

    `total` (the sum of every row's contribution) equals the compiled `figure` while the history is
    unchanged. The city and city-wide inspectors drill into any unit (or `city`), officers and inspectors of
    a unit into their own (another unit is 404); statistics clients read aggregates only (404).
    """

    renderer_classes = [JSONRenderer]

    class OutputSerializer(serializers.Serializer):
        facility = serializers.IntegerField(source="ref")
        name = serializers.CharField(source="label")
        district = serializers.CharField(source="unit")
        value = serializers.IntegerField(source="contribution", help_text="What the facility adds to the figure.")

    @extend_schema(
        tags=TAGS,
        parameters=[
            PERIOD_PARAMETER,
            OpenApiParameter("district", str, required=True, description="A unit's code (or `city`)."),
            OpenApiParameter(
                "indicator", str, required=True, enum=list(selectors.DRILLDOWN_INDICATORS), description="A figure."
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={
            (200, "application/json"): inline_serializer(
                "StatisticsDrilldownOutput",
                fields={
                    "period": serializers.CharField(),
                    "district": serializers.CharField(),
                    "indicator": serializers.CharField(),
                    "as_of_day": serializers.DateField(),
                    "figure": serializers.FloatField(allow_null=True, help_text="The compiled figure."),
                    "total": serializers.IntegerField(help_text="The sum of every facility's contribution."),
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": OutputSerializer(many=True),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        if request.user.role == Role.STATISTICS_CLIENT:
            raise NotFound  # aggregates only
        params = request.query_params
        errors: dict[str, list[str]] = {}
        period = None
        try:
            period = parse_month(params.get("period"), field="period")
        except ValidationFailed as exc:
            errors.update(exc.fields)
        indicator = params.get("indicator", "")
        if indicator not in selectors.DRILLDOWN_INDICATORS:
            errors["indicator"] = [_("Choose a facility-based figure.")]
        raw_unit = params.get("district", "")
        if not raw_unit:
            errors["district"] = [_("This parameter is required (a unit's code or city).")]
        if errors or period is None:
            raise ValidationFailed(fields=errors)
        district_code = selectors.drilldown_unit_for(user=request.user, code=raw_unit)
        _state_or_404(period)
        today = timezone.localdate()
        rows = selectors.drilldown_rows(period=period, district_code=district_code, indicator=indicator, today=today)
        figure = (
            selectors.period_snapshots(period=period, city=district_code is None)
            .filter(indicator=indicator, **({"district_id": district_code} if district_code else {}))
            .values_list("value", flat=True)
            .first()
        )
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return Response(
            {
                "period": format_month(period),
                "district": district_code or selectors.CITY,
                "indicator": indicator,
                "as_of_day": as_of_day(period, today).isoformat(),
                "figure": trimmed(figure, "count"),
                "total": selectors.drilldown_total(rows),
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": self.OutputSerializer(page, many=True).data,
            }
        )
