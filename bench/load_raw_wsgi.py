"""The raw side of `bench/load.py`: a bare WSGI handler (psycopg2 + orjson, no Django) serving the same rows as
the portal's three endpoints, by running the very statements the portal's selectors issued (captured by load.py
into the JSON file named by LOAD_RAW_SPEC) and shaping the rows the way the portal does:

- facilities: the API's page ({"count", "next", "previous", "results"}) with the list serializer's fields;
- register: a small HTML page (the headline figures, the units, the page's facilities in a table);
- statistics: the districts endpoint's JSON (period, as_of, status, each unit's figures and estimated codes).

No authentication, sessions, middleware, templates or caching: the limit the portal is compared with. One
connection per worker process, opened on its first request and kept.
"""

from __future__ import annotations

import html
import json
import os
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg2

try:
    import orjson

    def dumps(value) -> bytes:
        return orjson.dumps(value, default=_decimal)

except ImportError:  # pragma: no cover - orjson is installed for the benchmark; the stdlib keeps it running

    def dumps(value) -> bytes:
        return json.dumps(value, default=_decimal, ensure_ascii=False).encode()


SHANGHAI = ZoneInfo("Asia/Shanghai")
INTEGER_UNITS = frozenset({"count", "persons"})
SPEC = json.loads(Path(os.environ["LOAD_RAW_SPEC"]).read_text())
_connection = None


def _decimal(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def connection():
    global _connection  # one connection per worker process
    if _connection is None or _connection.closed:
        url = urlsplit(os.environ["DATABASE_URL"])
        _connection = psycopg2.connect(
            host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname=url.path[1:]
        )
        _connection.autocommit = True
    return _connection


def run(statements: list[str]) -> list[list[dict]]:
    """Each statement's rows as dicts keyed by column name (a repeated name keeps its first column)."""
    results = []
    with connection().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            names = [column.name for column in cursor.description]
            first = {}
            for i, name in enumerate(names):
                first.setdefault(name, i)
            results.append([{name: row[i] for name, i in first.items()} for row in cursor.fetchall()])
    return results


def facilities(statements: list[str]) -> tuple[str, bytes]:
    # The count, then the page: facility columns, its hub's (T2), the unit's (code, name, kind), the street's.
    with connection().cursor() as cursor:
        cursor.execute(statements[0])
        count = cursor.fetchone()[0]
        cursor.execute(statements[1])
        names = [column.name for column in cursor.description]
        index = {name: names.index(name) for name in dict.fromkeys(names)}
        district_name = names.index("kind") - 1  # regions_district.name precedes its kind
        street_name = len(names) - 2  # regions_street.(id, district_id, name, kind) close the row
        results = [
            {
                "id": row[index["id"]],
                "name": row[index["name"]],
                "uscc": row[index["uscc"]],
                "category": row[index["category"]],
                "form": row[index["form"]],
                "district": row[index["district_id"]],
                "district_name": row[district_name],
                "street": row[street_name],
                "slots": row[index["slots"]],
                "enrolled": row[index["enrolled"]],
                "filing_status": row[index["filing_status"]],
                "filing_status_display": row[index["filing_status"]],
                "filing_number": row[index["filing_number"]],
                "record_deadline": row[index["record_deadline"]],
                "notice_deadline": row[index["notice_deadline"]],
                "class_count": row[index["class_count"]],
                "staff_count": row[index["staff_count"]],
            }
            for row in cursor.fetchall()
        ]
    return "application/json", dumps({"count": count, "next": None, "previous": None, "results": results})


def register(statements: list[str]) -> tuple[str, bytes]:
    districts, count, headlines, page, recognitions = run(statements)
    by_facility = defaultdict(list)
    for recognition in recognitions:
        by_facility[recognition["facility_id"]].append(recognition["number"] or recognition["kind"])
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh-Hans'><meta charset='utf-8'><title>托育机构公示名录</title><body>",
        "<dl>",
        *(f"<dt>{e(h['indicator'])}</dt><dd>{h['value']}</dd>" for h in headlines),
        "</dl><select name='district'>",
        *(f"<option value='{e(d['code'])}'>{e(d['name'])}</option>" for d in districts),
        f"</select><p>{count[0]['__count']}</p><table>",
    ]
    for row in page:
        details = " · ".join(
            str(x)
            for x in (row["address"], row["slots"], row["full_day_fee"], *by_facility[row["id"]])
            if x not in (None, "")
        )
        parts.append(f"<tr><td>{e(row['name'])}</td><td>{e(details)}</td></tr>")
    parts.append("</table></body></html>")
    return "text/html; charset=utf-8", "".join(parts).encode()


def _trimmed(value: Decimal | None, unit: str):
    if value is None:
        return None
    if unit in INTEGER_UNITS or value == value.to_integral_value():
        return int(value)
    return value.normalize()


def statistics(statements: list[str]) -> tuple[str, bytes]:
    states, catalogue, snapshots, names = run(statements)
    if not states:
        return "application/json", b'{"code": "not_compiled"}'
    state = states[0]
    in_force: dict[str, dict] = {}
    for row in catalogue:  # by code, latest first
        in_force.setdefault(row["code"], row)
    ordered = sorted(in_force.values(), key=lambda row: (row["position"], row["code"]))
    codes = [row["code"] for row in ordered]
    units = {row["code"]: row["unit"] for row in ordered}
    by_unit: dict[str, dict] = defaultdict(dict)
    as_of: datetime | None = None
    for snapshot in snapshots:
        by_unit[snapshot["district_id"]][snapshot["indicator"]] = snapshot
        as_of = snapshot["as_of"] if as_of is None or snapshot["as_of"] > as_of else as_of
    body = {
        "period": f"{state['period']:%Y-%m}",
        "as_of": as_of.astimezone(SHANGHAI).isoformat() if as_of else None,
        "status": state["status"] or "provisional",
        "results": [
            {
                "district": unit["code"],
                "name": unit["name"],
                "indicators": {
                    code: _trimmed(by_unit[unit["code"]][code]["value"], units.get(code, "count"))
                    if code in by_unit[unit["code"]]
                    else None
                    for code in codes
                },
                "estimated": [
                    code for code in codes if code in by_unit[unit["code"]] and by_unit[unit["code"]][code]["estimated"]
                ],
            }
            for unit in names
        ],
    }
    return "application/json", dumps(body)


HANDLERS = {"facilities": facilities, "register": register, "statistics": statistics}
ROUTES = {urlsplit(path).path: name for path, name in SPEC["paths"].items()}


def application(environ, start_response):
    name = ROUTES.get(environ.get("PATH_INFO", ""))
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    if name is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    content_type, body = HANDLERS[name](SPEC["sql"][name])
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
