"""Compiling a month of county-level indicators (the portal's path) against one hand-written GROUP BY computing the
same facility-based figures, in the same run on the same data; then the same for doubled data, and the latency of
the statistics endpoint with 1× and 10× snapshot history. PostgreSQL only.

Creates a throw-away PostgreSQL test database and fills it (untimed, INSERT … SELECT / generate_series) at national
scale: ~2,850 county-level units (the 10 seeded plus fake codes 9xxxxx, each with a population, some estimated,
and three streets), 100,000 facilities spread over them with FacilityVersion history (categories, the five forms
and eight filing statuses varied; some grew, moved unit, changed after the month, closed before it or opened after
it), ~4 staff per facility (0–8; ~400,000 staff with their persons; some left before the month, some start after
it), recognitions of the four kinds (some expired, suspended, revoked or not yet valid) and a year of monthly
enrolment reports (one report with one line per facility and month: ~2.3 million rows).

Timed (alternating rounds, medians), the month 2026-10 compiled as of its last day:
- portal: what `compile_period` does — `compile_chunk` (compile_units + _store) per chunk of units (at most
  `--chunk-facilities` facilities each, the portal's default), then `compile_city` — writing the snapshot table from
  empty (snapshots and month states truncated before each round);
- raw SQL: one hand-written statement (CTEs, GROUP BY, an unpivot, INSERT … RETURNING and the city's rows from the
  units') computing every figure of every unit and the city and writing them into `bench_raw_snapshot`, a table
  with the snapshot table's columns, checks, indexes and foreign key.
The two tables are compared row by row (unit, indicator, value, numerator, denominator, status, estimated) after
every round. The bench year has no development target, so target completion is `unavailable` on both sides.
Then 100,000 more facilities (with their staff, recognitions and enrolment) are added and the portal is timed
again: the ratio doubled ÷ single.
Statistics endpoint: `GET /api/v1/statistics/districts/?period=2026-10` through the test client with a
statistics client's token, the cache cleared before every request (so it reads the snapshots), first with the
one compiled month in the snapshot table, then with 10× the snapshot rows (eight more compiled months, an eighth
of their figures with a second revision); the bodies are checked equal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/indicators.py
    … bench/indicators.py --units 300 --facilities 10000 --rounds 1      # a quick run
"""

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suzhou_childcare.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

PERIOD = date(2026, 10, 1)
DAY = date(2026, 10, 31)  # the as-of day of the month
TODAY = date(2026, 11, 15)  # fixed, so that the month is a past one (as of its last day) whatever the clock says
UNITS = 2850
FACILITIES = 100_000
ROUNDS = 3
REQUESTS = 7
CHUNK = 20_000  # facilities per chunk: settings.INDICATOR_CHUNK_FACILITIES, the Celery job's default

# --- synthetic data (untimed) ----------------------------------------------------------------------------------

UNITS_SQL = [
    """
    INSERT INTO regions_district (code, name, kind)
    SELECT (900000 + i)::text, '基准县级单位' || i,
           (ARRAY['district', 'county_city', 'functional_zone'])[1 + mod(i, 3)]
    FROM generate_series(1, %(extra)s) AS i
    """,
    """
    INSERT INTO regions_districtpopulation (district_id, year, population, status, source, updated_at)
    SELECT code, 2025, 200000 + mod(abs(hashtext(code)), 800000),
           CASE WHEN mod(abs(hashtext(code || 'e')), 10) = 0 THEN 'estimate' ELSE 'official' END, 'bench', now()
    FROM regions_district WHERE code >= '900000'
    """,
    """
    INSERT INTO regions_street (district_id, name, kind)
    SELECT code, '基准街道' || j, 'street' FROM regions_district, generate_series(1, 3) AS j WHERE code >= '900000'
    """,
]

# One row per facility with its drawn attributes; h_x is a deterministic draw in 0..999.
SPEC = """
CREATE TABLE bench_spec AS
WITH draws AS (
    SELECT i, %(base)s + i AS id, (%(districts)s::text[])[1 + mod(i, %(units)s)] AS district_id,
           (%(districts)s::text[])[1 + mod(i + 7, %(units)s)] AS old_district_id,
           mod(abs(hashtext(i || 'c')), 1000) AS h_cat, mod(abs(hashtext(i || 'f')), 1000) AS h_fil,
           mod(abs(hashtext(i || 's')), 1000) AS h_slots, mod(abs(hashtext(i || 'h')), 1000) AS h_hist,
           mod(abs(hashtext(i || 'o')), 1000) AS h_open, mod(abs(hashtext(i || 'm')), 1000) AS h_form,
           mod(abs(hashtext(i || 'r')), 1000) AS h_rep, mod(abs(hashtext(i || 'e')), 1000) AS h_enr,
           mod(abs(hashtext(i || 'n')), 1000) AS h_staff, mod(abs(hashtext(i || 't')), 1000) AS h_street
    FROM generate_series(1, %(n)s) AS i
)
SELECT d.*,
       CASE WHEN h_cat < 300 THEN 'kindergarten_class' ELSE 'social' END AS category,
       (ARRAY['standalone', 'community_embedded', 'employer', 'comprehensive_center', 'family_point'])
           [1 + mod(h_form, 5)] AS form,
       CASE WHEN h_fil < 100 THEN 'known' WHEN h_fil < 130 THEN 'draft' WHEN h_fil < 180 THEN 'submitted'
            WHEN h_fil < 680 THEN 'filed' WHEN h_fil < 830 THEN 'verified' WHEN h_fil < 880 THEN 'nonconforming'
            WHEN h_fil < 950 THEN 'change_pending' ELSE 'cancelled' END AS filing_status,
       20 + mod(h_slots, 80) AS slots,
       10 + mod(h_enr, 60) AS enrolled,
       -- normal (one version since opening), grown (10 slots added 2024-01-01), moved (another unit until
       -- 2026-06-01), later (a new version from 2026-11-10, after the as-of day), closed (2026-03-31), not yet
       -- opened (opens 2026-11-05)
       CASE WHEN h_hist < 100 THEN 'grown' WHEN h_hist < 120 THEN 'moved' WHEN h_hist < 170 THEN 'later'
            WHEN h_hist < 220 THEN 'closed' WHEN h_hist < 250 THEN 'unopened' ELSE 'normal' END AS history,
       CASE WHEN h_hist BETWEEN 220 AND 249 THEN DATE '2026-11-05' ELSE DATE '2018-01-01' + h_open END AS opened_on,
       mod(h_staff, 9) AS staff_n,
       h_rep >= 30 AS reported
FROM draws d
"""

FILL = [
    """
    INSERT INTO facilities_facility (id, name, registration_route, uscc, category, form, hub_id,
        medical_integration, elderly_child_integration, district_id, street_id, address, slots, enrolled,
        meals_served, premises_tenure, surveillance_covers_infant_areas, one_click_alarm, licensed_guard,
        insurance_mode, insurer, policy_number, opened_on, closed_on, filing_status, filing_number, review_reasons,
        pending_changes, quality_grade, serious_violation_reference, training_gaps, created_at, updated_at)
    SELECT s.id, '基准托育机构' || s.id, 'enterprise', '', category, form, NULL, false, false, s.district_id,
           st.id, '', CASE WHEN history = 'later' THEN slots + 5 ELSE slots END, enrolled, false, 'owned', false,
           false, false, 'none', '', '', opened_on, CASE WHEN history = 'closed' THEN DATE '2026-03-31' END,
           filing_status, CASE WHEN filing_status IN ('filed', 'verified', 'change_pending', 'nonconforming')
                               THEN 'BENCH-' || s.id END,
           '', '{}', '', '', '[]', now(), now()
    FROM bench_spec s
    LEFT JOIN LATERAL (SELECT id FROM regions_street WHERE district_id = s.district_id ORDER BY id
                       OFFSET mod(s.h_street, 3) LIMIT 1) st ON true
    """,
    "SELECT setval(pg_get_serial_sequence('facilities_facility', 'id'), (SELECT max(id) FROM facilities_facility))",
    # The first version, from the opening day
    """
    INSERT INTO facilities_facilityversion (facility_id, valid_from, valid_to, opened_on, closed_on, district_id,
        category, form, filing_status, slots, enrolled, snapshot, changed_at)
    SELECT id, opened_on,
           CASE history WHEN 'grown' THEN DATE '2024-01-01' WHEN 'moved' THEN DATE '2026-06-01'
                        WHEN 'later' THEN DATE '2026-11-10' END,
           opened_on, CASE WHEN history = 'closed' THEN DATE '2026-03-31' END,
           CASE WHEN history = 'moved' THEN old_district_id ELSE district_id END, category, form,
           filing_status, CASE WHEN history = 'grown' THEN slots - 10 ELSE slots END, enrolled, '{}', now()
    FROM bench_spec
    """,
    """
    INSERT INTO facilities_facilityversion (facility_id, valid_from, valid_to, opened_on, closed_on, district_id,
        category, form, filing_status, slots, enrolled, snapshot, changed_at)
    SELECT id, CASE history WHEN 'grown' THEN DATE '2024-01-01' WHEN 'moved' THEN DATE '2026-06-01'
                            ELSE DATE '2026-11-10' END,
           NULL, opened_on, NULL, district_id, category, form, filing_status,
           CASE WHEN history = 'later' THEN slots + 5 ELSE slots END, enrolled, '{}', now()
    FROM bench_spec WHERE history IN ('grown', 'moved', 'later')
    """,
    # Staff: 0–8 per facility, each with a person of their own; 8 % left in June, 5 % start in November
    """
    CREATE TABLE bench_staff AS
    SELECT %(person_base)s + row_number() OVER (ORDER BY s.id, g) AS person_id, s.id AS facility_id, s.category,
           mod(abs(hashtext(s.id || '-' || g)), 100) AS h
    FROM bench_spec s CROSS JOIN LATERAL generate_series(1, s.staff_n) AS g
    """,
    """
    INSERT INTO facilities_person (id, name, id_number, id_number_index, created_at, banned_on, ban_reference)
    SELECT person_id, '基准员工' || person_id, 'bench', 'bench-' || person_id, now(), NULL, '' FROM bench_staff
    """,
    "SELECT setval(pg_get_serial_sequence('facilities_person', 'id'), (SELECT max(id) FROM facilities_person))",
    """
    INSERT INTO facilities_staffmember (facility_id, person_id, name, role, full_time, qualification, education,
        post_training_done, no_criminal_record_on_file, guard_licence_number, employed_from, employed_to)
    SELECT facility_id, person_id, '基准员工', CASE WHEN h < 10 THEN 'director' WHEN h < 80 THEN 'carer'
                                                   ELSE 'health_care' END,
           true, '', '', true, true, '',
           CASE WHEN h < 5 THEN DATE '2026-11-01' ELSE DATE '2019-01-01' + h END,
           CASE WHEN h BETWEEN 5 AND 12 THEN DATE '2026-06-30' END
    FROM bench_staff
    """,
    "DROP TABLE bench_staff",
    # Recognitions: 15 % municipal inclusive, 5 % provincial inclusive, 3 % municipal model, 2 % provincial model;
    # of each, some expired, suspended, revoked in October or valid only from November (none of these count).
    """
    INSERT INTO facilities_recognition (facility_id, kind, number, status, valid_from, valid_to, granted_on,
        decision_reference, criteria_set_id, facts, evaluation, revoked_on, revocation_reason, expired_on,
        created_at, updated_at)
    SELECT s.id, k.kind, left(k.kind, 1) || k.salt || '-' || s.id,
           CASE WHEN state < 50 THEN 'expired' WHEN state < 70 THEN 'suspended' WHEN state < 80 THEN 'revoked'
                ELSE 'active' END,
           CASE WHEN state < 50 THEN DATE '2023-09-01' WHEN state BETWEEN 80 AND 99 THEN DATE '2026-11-15'
                ELSE DATE '2025-01-01' END,
           CASE WHEN state < 50 THEN DATE '2026-09-01' ELSE DATE '2029-01-01' END,
           DATE '2025-01-01', '', c.id, '{}', '{}',
           CASE WHEN state BETWEEN 70 AND 79 THEN DATE '2026-10-15' END, '',
           CASE WHEN state < 50 THEN DATE '2026-09-01' END, now(), now()
    FROM bench_spec s
    CROSS JOIN (VALUES ('municipal_inclusive', 'a', 150), ('provincial_inclusive', 'b', 50),
                       ('municipal_model', 'c', 30), ('provincial_model', 'd', 20)) AS k(kind, salt, share)
    CROSS JOIN LATERAL (SELECT mod(abs(hashtext(s.i || k.salt)), 1000) AS h,
                               mod(abs(hashtext(s.i || k.salt || 'state')), 1000) AS state) AS d
    JOIN LATERAL (SELECT id FROM facilities_criteriaset WHERE kind = k.kind ORDER BY effective_from LIMIT 1) c
         ON true
    WHERE d.h < k.share
    """,
    """
    INSERT INTO facilities_recognitionsuspension (recognition_id, suspended_on, reason, penalty_reference,
        lift_reason)
    SELECT r.id, DATE '2026-09-01', 'bench', '', '' FROM facilities_recognition r
    JOIN bench_spec s ON s.id = r.facility_id WHERE r.status = 'suspended'
    """,
    # A year of monthly enrolment (97 % of the facilities report): one report and one line per month
    """
    INSERT INTO subsidies_enrolmentreport (facility_id, period, revision, status, deadline, submitted_by_id,
        submitted_at, late, correction_reason)
    SELECT s.id, m.period, 1, 'current', m.period + 38, %(user)s, now(), false, ''
    FROM bench_spec s
    CROSS JOIN (SELECT (DATE '2025-11-01' + make_interval(months => k))::date AS period
                FROM generate_series(0, 11) AS k) m
    WHERE s.reported
    """,
    """
    INSERT INTO subsidies_enrolmentreportline (report_id, class_type, enrolled, attendance_days, carers)
    SELECT r.id, 'toddler', s.enrolled, s.enrolled * 20, 2
    FROM subsidies_enrolmentreport r JOIN bench_spec s ON s.id = r.facility_id
    """,
    "DROP TABLE bench_spec",
    "ANALYZE",
]


def fill_units(units: int) -> list[str]:
    from suzhou_childcare.regions.models import District

    with connection.cursor() as cursor:
        for sql in UNITS_SQL:
            cursor.execute(sql, {"extra": max(units - District.objects.count(), 0)})
    return sorted(District.objects.values_list("code", flat=True))


def fill_facilities(n: int, districts: list[str], user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM facilities_facility")
        base = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM facilities_person")
        person_base = cursor.fetchone()[0]
        params = {
            "base": base,
            "person_base": person_base,
            "districts": districts,
            "units": len(districts),
            "n": n,
            "user": user_id,
        }
        cursor.execute(SPEC, params)
        for sql in FILL:
            cursor.execute(sql, params)


def counts() -> dict[str, int]:
    out = {}
    with connection.cursor() as cursor:
        for table in (
            "regions_district",
            "facilities_facility",
            "facilities_facilityversion",
            "facilities_staffmember",
            "facilities_recognition",
            "subsidies_enrolmentreport",
            "subsidies_enrolmentreportline",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            out[table] = cursor.fetchone()[0]
    return out


# --- the hand-written SQL ------------------------------------------------------------------------------------------

# The same definitions as the compilation, written by hand: a facility counts in the unit of its version in force on
# the day (open, not closed); its staff employed on the day count there too; recognitions in force on the day (not
# revoked, not suspended) count in the facility's unit; rates from numerators and denominators, rounded to four
# places; a source without any data up to the period is NULL ('unavailable'). Every figure of every unit is
# written to a table shaped and indexed like the snapshot table, then the city's rows from the units' (sums; rates
# from summed numerators and denominators) — the same rows the portal writes, in one statement.
RAW = """
WITH
v AS (
    SELECT facility_id, district_id, category, form, filing_status, slots, enrolled
    FROM facilities_facilityversion
    WHERE valid_from <= %(day)s AND opened_on <= %(day)s AND (valid_to IS NULL OR valid_to > %(day)s)
      AND (closed_on IS NULL OR closed_on > %(day)s)
),
rec AS (
    SELECT r.facility_id, r.kind FROM facilities_recognition r
    WHERE r.valid_from <= %(day)s AND r.valid_to > %(day)s AND (r.revoked_on IS NULL OR r.revoked_on > %(day)s)
      AND NOT EXISTS (SELECT 1 FROM facilities_recognitionsuspension s
                      WHERE s.recognition_id = r.id AND s.suspended_on <= %(day)s
                        AND (s.lifted_on IS NULL OR s.lifted_on > %(day)s))
),
incl AS (SELECT DISTINCT facility_id FROM rec WHERE kind IN ('provincial_inclusive', 'municipal_inclusive')),
st AS (
    SELECT facility_id, count(*) AS n FROM facilities_staffmember
    WHERE employed_from <= %(day)s AND (employed_to IS NULL OR employed_to > %(day)s)
    GROUP BY facility_id
),
insp AS (
    SELECT DISTINCT facility_id FROM inspections_inspection
    WHERE status = 'completed' AND inspected_on > %(year_ago)s AND inspected_on <= %(day)s
),
selfi AS (SELECT DISTINCT facility_id FROM inspections_selfinspection WHERE period = %(quarter)s),
by_version AS (
    SELECT v.district_id,
           count(*) AS facilities,
           count(*) FILTER (WHERE v.category = 'kindergarten_class') AS kg,
           count(*) FILTER (WHERE v.category = 'social') AS social,
           count(*) FILTER (WHERE v.form = 'standalone') AS form_standalone,
           count(*) FILTER (WHERE v.form = 'community_embedded') AS form_community_embedded,
           count(*) FILTER (WHERE v.form = 'employer') AS form_employer,
           count(*) FILTER (WHERE v.form = 'comprehensive_center') AS form_comprehensive_center,
           count(*) FILTER (WHERE v.form = 'family_point') AS form_family_point,
           count(*) FILTER (WHERE v.filing_status IN ('filed', 'verified', 'nonconforming', 'change_pending'))
               AS filed,
           sum(v.slots) AS slots, sum(v.enrolled) AS enrolled,
           coalesce(sum(v.slots) FILTER (WHERE incl.facility_id IS NOT NULL), 0) AS inclusive_slots,
           coalesce(sum(st.n), 0) AS staff,
           coalesce(sum(st.n) FILTER (WHERE v.category = 'kindergarten_class'), 0) AS staff_kg,
           coalesce(sum(st.n) FILTER (WHERE v.category <> 'kindergarten_class'), 0) AS staff_social,
           count(*) FILTER (WHERE insp.facility_id IS NOT NULL) AS covered,
           count(*) FILTER (WHERE selfi.facility_id IS NOT NULL) AS self_inspected
    FROM v LEFT JOIN st ON st.facility_id = v.facility_id
           LEFT JOIN incl ON incl.facility_id = v.facility_id
           LEFT JOIN insp ON insp.facility_id = v.facility_id
           LEFT JOIN selfi ON selfi.facility_id = v.facility_id
    GROUP BY v.district_id
),
by_recognition AS (
    SELECT f.district_id,
           count(*) FILTER (WHERE rec.kind = 'provincial_inclusive') AS provincial_inclusive,
           count(*) FILTER (WHERE rec.kind = 'provincial_model') AS provincial_model,
           count(*) FILTER (WHERE rec.kind = 'municipal_inclusive') AS municipal_inclusive,
           count(*) FILTER (WHERE rec.kind = 'municipal_model') AS municipal_model,
           count(DISTINCT f.street_id) FILTER (WHERE rec.kind IN ('provincial_inclusive', 'municipal_inclusive'))
               AS streets_inclusive
    FROM rec JOIN facilities_facility f ON f.id = rec.facility_id
    GROUP BY f.district_id
),
streets AS (SELECT district_id, count(*) AS n FROM regions_street GROUP BY district_id),
pop AS (
    SELECT DISTINCT ON (district_id) district_id, population, status = 'estimate' AS estimated
    FROM regions_districtpopulation WHERE year <= %(year)s ORDER BY district_id, year DESC
),
paid AS (
    SELECT f.district_id, sum(s.total) AS total
    FROM subsidies_statement s JOIN subsidies_paymentbatch b ON b.id = s.batch_id
         JOIN facilities_facility f ON f.id = s.facility_id
    WHERE s.period = %(period)s AND b.status = 'paid' GROUP BY f.district_id
),
overdue AS (
    SELECT f.district_id, count(*) AS n
    FROM inspections_rectificationorder o JOIN facilities_facility f ON f.id = o.facility_id
    WHERE o.issued_on <= %(day)s AND o.deadline < %(day)s AND (o.closed_on IS NULL OR o.closed_on > %(day)s)
    GROUP BY f.district_id
),
pen AS (
    SELECT f.district_id, count(*) AS n
    FROM inspections_penalty p JOIN facilities_facility f ON f.id = p.facility_id
    WHERE p.status = 'decided' AND p.decided_on BETWEEN %(period)s AND %(last)s GROUP BY f.district_id
),
guid AS (
    SELECT f.district_id, count(*) AS n
    FROM facilities_guidanceactivity g JOIN facilities_facility f ON f.id = g.facility_id
    WHERE g.held_on BETWEEN %(period)s AND %(last)s GROUP BY f.district_id
),
avail AS (
    SELECT EXISTS (SELECT 1 FROM subsidies_statement WHERE period = %(period)s) AS subsidies,
           EXISTS (SELECT 1 FROM inspections_inspection WHERE inspected_on <= %(day)s) AS inspections,
           EXISTS (SELECT 1 FROM inspections_selfinspection WHERE period <= %(quarter)s) AS self_inspections,
           EXISTS (SELECT 1 FROM facilities_guidanceactivity WHERE held_on <= %(last)s) AS guidance
),
wide AS (
    SELECT d.code, coalesce(v.facilities, 0) AS facilities, coalesce(v.kg, 0) AS kg,
           coalesce(v.social, 0) AS social, coalesce(v.form_standalone, 0) AS form_standalone,
           coalesce(v.form_community_embedded, 0) AS form_community_embedded,
           coalesce(v.form_employer, 0) AS form_employer,
           coalesce(v.form_comprehensive_center, 0) AS form_comprehensive_center,
           coalesce(v.form_family_point, 0) AS form_family_point, coalesce(v.filed, 0) AS filed,
           coalesce(v.slots, 0) AS slots, coalesce(v.enrolled, 0) AS enrolled,
           coalesce(v.inclusive_slots, 0) AS inclusive_slots, coalesce(v.staff, 0) AS staff,
           coalesce(v.staff_kg, 0) AS staff_kg, coalesce(v.staff_social, 0) AS staff_social,
           coalesce(v.covered, 0) AS covered, coalesce(v.self_inspected, 0) AS self_inspected,
           coalesce(r.provincial_inclusive, 0) AS provincial_inclusive,
           coalesce(r.provincial_model, 0) AS provincial_model,
           coalesce(r.municipal_inclusive, 0) AS municipal_inclusive,
           coalesce(r.municipal_model, 0) AS municipal_model, coalesce(r.streets_inclusive, 0) AS streets_inclusive,
           s.n AS streets, p.population, coalesce(p.estimated, false) AS estimated,
           coalesce(paid.total, 0) AS paid, coalesce(overdue.n, 0) AS overdue, coalesce(pen.n, 0) AS penalties,
           coalesce(guid.n, 0) AS guidance, a.subsidies, a.inspections, a.self_inspections, a.guidance AS guided
    FROM regions_district d
    LEFT JOIN by_version v ON v.district_id = d.code
    LEFT JOIN by_recognition r ON r.district_id = d.code
    LEFT JOIN streets s ON s.district_id = d.code
    LEFT JOIN pop p ON p.district_id = d.code
    LEFT JOIN paid ON paid.district_id = d.code
    LEFT JOIN overdue ON overdue.district_id = d.code
    LEFT JOIN pen ON pen.district_id = d.code
    LEFT JOIN guid ON guid.district_id = d.code
    CROSS JOIN avail a
),
units AS (
    INSERT INTO bench_raw_snapshot (period, district_id, indicator, revision, value, numerator, denominator, status,
                                    estimated, as_of)
    SELECT %(period)s, w.code, x.indicator, 1, x.value, x.num, x.den,
           CASE WHEN x.value IS NULL THEN 'unavailable' ELSE 'provisional' END, x.est, now()
    FROM wide w CROSS JOIN LATERAL (
        SELECT x.indicator, CASE WHEN x.rate AND x.den > 0 THEN round(x.num * x.scale / x.den, 4)
                                 WHEN x.rate THEN 0 ELSE x.value END AS value,
               x.num, x.den, x.est
        FROM (VALUES
            ('facilities', w.facilities::numeric, NULL::numeric, NULL::numeric, false, false, 0),
            ('facilities_kindergarten_class', w.kg, NULL, NULL, false, false, 0),
            ('facilities_social', w.social, NULL, NULL, false, false, 0),
            ('facilities_form_standalone', w.form_standalone, NULL, NULL, false, false, 0),
            ('facilities_form_community_embedded', w.form_community_embedded, NULL, NULL, false, false, 0),
            ('facilities_form_employer', w.form_employer, NULL, NULL, false, false, 0),
            ('facilities_form_comprehensive_center', w.form_comprehensive_center, NULL, NULL, false, false, 0),
            ('facilities_form_family_point', w.form_family_point, NULL, NULL, false, false, 0),
            ('facilities_filed', w.filed, NULL, NULL, false, false, 0),
            ('filing_rate', NULL, w.filed, w.facilities, false, true, 100),
            ('slots', w.slots, NULL, NULL, false, false, 0),
            ('enrolled', w.enrolled, NULL, NULL, false, false, 0),
            ('occupancy_rate', NULL, w.enrolled, w.slots, false, true, 100),
            ('staff', w.staff, NULL, NULL, false, false, 0),
            ('staff_kindergarten_class', w.staff_kg, NULL, NULL, false, false, 0),
            ('staff_social', w.staff_social, NULL, NULL, false, false, 0),
            ('population', w.population, NULL, NULL, w.estimated, false, 0),
            ('slots_per_thousand', NULL, CASE WHEN w.population > 0 THEN w.slots END,
             CASE WHEN w.population > 0 THEN w.population END, w.estimated AND w.population > 0,
             w.population > 0, 1000),
            ('recognitions_provincial_inclusive', w.provincial_inclusive, NULL, NULL, false, false, 0),
            ('recognitions_provincial_model', w.provincial_model, NULL, NULL, false, false, 0),
            ('recognitions_municipal_inclusive', w.municipal_inclusive, NULL, NULL, false, false, 0),
            ('recognitions_municipal_model', w.municipal_model, NULL, NULL, false, false, 0),
            ('inclusive_slots_share', NULL, w.inclusive_slots, w.slots, false, true, 100),
            ('streets_with_inclusive_facility_share', NULL, CASE WHEN w.streets > 0 THEN w.streets_inclusive END,
             CASE WHEN w.streets > 0 THEN w.streets END, false, w.streets > 0, 100),
            ('subsidies_paid', CASE WHEN w.subsidies THEN w.paid END, NULL, NULL, false, false, 0),
            ('inspection_coverage', NULL, CASE WHEN w.inspections THEN w.covered END,
             CASE WHEN w.inspections THEN w.facilities END, false, w.inspections, 100),
            ('rectifications_overdue', CASE WHEN w.inspections THEN w.overdue END, NULL, NULL, false, false, 0),
            ('penalties', CASE WHEN w.inspections THEN w.penalties END, NULL, NULL, false, false, 0),
            ('self_inspection_rate', NULL, CASE WHEN w.self_inspections THEN w.self_inspected END,
             CASE WHEN w.self_inspections THEN w.facilities END, false, w.self_inspections, 100),
            -- no history of training compliance or equipment: a past month has neither
            ('training_compliance_rate', NULL, NULL, NULL, false, false, 0),
            ('safety_equipment_compliance_rate', NULL, NULL, NULL, false, false, 0),
            ('guidance_sessions', CASE WHEN w.guided THEN w.guidance END, NULL, NULL, false, false, 0),
            -- the bench year has no development target: no completion (checked in main())
            ('target_completion_inclusive_facilities_built', NULL, NULL, NULL, false, false, 0),
            ('target_completion_model_facilities', NULL, NULL, NULL, false, false, 0),
            ('target_completion_streets_with_inclusive_share', NULL, NULL, NULL, false, false, 0),
            ('target_completion_slots_per_thousand', NULL, NULL, NULL, false, false, 0)
        ) AS x(indicator, value, num, den, est, rate, scale)
    ) AS x
    RETURNING indicator, value, numerator, denominator, estimated
)
INSERT INTO bench_raw_snapshot (period, district_id, indicator, revision, value, numerator, denominator, status,
                                estimated, as_of)
SELECT %(period)s, NULL, c.indicator, 1, c.value, c.num, c.den,
       CASE WHEN c.value IS NULL THEN 'unavailable' ELSE 'provisional' END, c.est, now()
FROM (
    SELECT u.indicator,
           CASE WHEN count(u.value) = 0 THEN NULL
                WHEN k.unit IN ('percent', 'per_thousand') THEN
                    coalesce(round(coalesce(sum(u.numerator), 0)
                                   * CASE k.unit WHEN 'percent' THEN 100 ELSE 1000 END
                                   / nullif(sum(u.denominator), 0), 4), 0)
                ELSE sum(u.value) END AS value,
           CASE WHEN count(u.value) > 0 AND k.unit IN ('percent', 'per_thousand')
                THEN coalesce(sum(u.numerator), 0) END AS num,
           CASE WHEN count(u.value) > 0 AND k.unit IN ('percent', 'per_thousand')
                THEN coalesce(sum(u.denominator), 0) END AS den,
           coalesce(bool_or(u.estimated) FILTER (WHERE u.value IS NOT NULL), false) AS est
    FROM units u JOIN (SELECT DISTINCT code, unit FROM reports_indicator) k ON k.code = u.indicator
    GROUP BY u.indicator, k.unit
) AS c
"""
# Shaped like the snapshot table: its columns, defaults, checks and indexes, and its foreign key to the units.
RAW_TABLE = [
    "CREATE TABLE bench_raw_snapshot (LIKE reports_snapshot INCLUDING ALL)",
    "ALTER TABLE bench_raw_snapshot ADD FOREIGN KEY (district_id) REFERENCES regions_district (code) "
    "DEFERRABLE INITIALLY DEFERRED",
]
# What the portal and the raw statement stored must be the same rows (both directions empty).
DIFFERENCE = """
SELECT 'portal only', * FROM (
    SELECT district_id, indicator, value, numerator, denominator, status, estimated FROM reports_snapshot
    WHERE period = %(period)s
    EXCEPT SELECT district_id, indicator, value, numerator, denominator, status, estimated FROM bench_raw_snapshot
) a
UNION ALL
SELECT 'raw only', * FROM (
    SELECT district_id, indicator, value, numerator, denominator, status, estimated FROM bench_raw_snapshot
    EXCEPT SELECT district_id, indicator, value, numerator, denominator, status, estimated FROM reports_snapshot
    WHERE period = %(period)s
) b
LIMIT 10
"""
RAW_CODES = [
    "facilities",
    "facilities_kindergarten_class",
    "facilities_social",
    "facilities_form_standalone",
    "facilities_form_community_embedded",
    "facilities_form_employer",
    "facilities_form_comprehensive_center",
    "facilities_form_family_point",
    "facilities_filed",
    "slots",
    "enrolled",
    "staff",
    "staff_kindergarten_class",
    "staff_social",
    "recognitions_provincial_inclusive",
    "recognitions_provincial_model",
    "recognitions_municipal_inclusive",
    "recognitions_municipal_model",
]


def raw_params() -> dict:
    from datetime import timedelta

    return {
        "day": DAY,
        "period": PERIOD,
        "last": DAY,
        "year": PERIOD.year,
        "year_ago": DAY - timedelta(days=365),
        "quarter": date(PERIOD.year, 3 * ((PERIOD.month - 1) // 3) + 1, 1),
    }


def raw_call() -> int:
    """The hand-written statement, writing every unit's and the city's rows; returns the rows written."""
    with connection.cursor() as cursor:
        cursor.execute(RAW, raw_params())
        return cursor.rowcount


def portal_call(max_facilities: int) -> int:
    """What compile_period does (every chunk of units, then the city), for a fixed `today`."""
    from reports.compilation import chunks_of_units, compile_chunk, compile_city

    written = sum(
        compile_chunk(period=PERIOD, district_codes=chunk, today=TODAY) for chunk in chunks_of_units(max_facilities)
    )
    return written + compile_city(period=PERIOD, today=TODAY)


def empty_snapshots() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_snapshot, reports_periodstate, bench_raw_snapshot")


def stored_city() -> dict[str, int]:
    from reports.models import Snapshot

    city: dict[str, int] = {}
    for indicator, value in Snapshot.objects.filter(
        period=PERIOD, indicator__in=RAW_CODES, district__isnull=True
    ).values_list("indicator", "value"):
        city[indicator] = int(value)
    return city


def check() -> dict[str, int]:
    """Every row the portal stored equals the raw statement's (unit, indicator, value, numerator, denominator,
    status, estimated), and there are as many; returns the city's counts."""
    with connection.cursor() as cursor:
        cursor.execute(DIFFERENCE, {"period": PERIOD})
        differing = cursor.fetchall()
        cursor.execute("SELECT (SELECT count(*) FROM reports_snapshot), (SELECT count(*) FROM bench_raw_snapshot)")
        portal_rows, raw_rows = cursor.fetchone()
    assert not differing, differing
    assert portal_rows == raw_rows > 0, (portal_rows, raw_rows)
    return stored_city()


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def compile_rounds(rounds: int, max_facilities: int) -> tuple[list[float], list[float], dict]:
    """Alternating rounds (portal, raw SQL), both writing into empty tables; the rows compared after each."""
    portal, raw = [], []
    city = {}
    for _ in range(rounds):
        empty_snapshots()
        seconds, written = timed(lambda: portal_call(max_facilities))
        portal.append(seconds)
        seconds, _city_rows = timed(raw_call)
        raw.append(seconds)
        city = check()
        assert written > 0
    return portal, raw, city


def compute_only(max_facilities: int) -> float:
    """compile_units over the chunks, nothing stored: how much of the portal's time is computing."""
    from reports.compilation import chunks_of_units, compile_units

    start = time.perf_counter()
    for chunk in chunks_of_units(max_facilities):
        compile_units(period=PERIOD, district_codes=chunk, today=TODAY)
    return time.perf_counter() - start


# --- the statistics endpoint ----------------------------------------------------------------------------------------

HISTORY = """
INSERT INTO reports_snapshot (period, district_id, indicator, revision, value, numerator, denominator, status,
                              estimated, as_of)
SELECT (s.period - make_interval(months => m))::date, s.district_id, s.indicator, r.revision, s.value, s.numerator,
       s.denominator, CASE WHEN s.status = 'unavailable' THEN s.status ELSE 'final' END, s.estimated, s.as_of
FROM reports_snapshot s
CROSS JOIN generate_series(1, 8) AS m
CROSS JOIN generate_series(1, 2) AS r(revision)
WHERE s.period = %(period)s
  AND (r.revision = 1 OR mod(abs(hashtext(coalesce(s.district_id, 'city') || s.indicator || m)), 8) = 0)
"""
HISTORY_STATES = """
INSERT INTO reports_periodstate (period, status, compiled_at, changed_at, finalised_at, published)
SELECT (DATE %(period)s - make_interval(months => m))::date, 'final', now(), now(), now(), false
FROM generate_series(1, 8) AS m
"""


def endpoint_medians(client, requests: int) -> tuple[float, bytes]:
    from django.core.cache import cache

    samples, body = [], b""
    client.get("/api/v1/statistics/districts/", {"period": f"{PERIOD:%Y-%m}"})  # warm-up
    for _ in range(requests):
        cache.clear()
        start = time.perf_counter()
        response = client.get("/api/v1/statistics/districts/", {"period": f"{PERIOD:%Y-%m}"})
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        body = response.content
    return statistics.median(samples), body


def snapshot_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_snapshot")
        return cursor.fetchone()[0]


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seconds_list(values: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=UNITS, help="county-level units (the 10 seeded included)")
    parser.add_argument("--facilities", type=int, default=FACILITIES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--chunk-facilities", type=int, default=CHUNK, help="facilities per chunk of units (the portal's default)"
    )
    parser.add_argument("--requests", type=int, default=REQUESTS, help="statistics requests per size")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print(
            f"This benchmark needs PostgreSQL (the raw side is PostgreSQL SQL); the database is {connection.vendor}.\n"
            "Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/indicators.py"
        )
        sys.exit(2)
    wall = time.perf_counter()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from rest_framework.test import APIClient

        from facilities.models import DevelopmentTarget
        from suzhou_childcare.accounts.models import User
        from suzhou_childcare.accounts.services import api_token_issue

        admin = User.objects.create(username="bench_admin", role="city_admin")
        start = time.perf_counter()
        districts = fill_units(args.units)
        fill_facilities(args.facilities, districts, admin.pk)
        filled = time.perf_counter() - start
        rows = counts()
        print(
            f"database: PostgreSQL {connection.pg_version // 10000}; filled in {filled:.0f} s: "
            + ", ".join(f"{table.split('_', 1)[1]} {n:,}" for table, n in rows.items())
        )
        from reports.compilation import chunks_of_units

        assert not DevelopmentTarget.objects.filter(year=PERIOD.year).exists()  # the raw side relies on it
        with connection.cursor() as cursor:
            for sql in RAW_TABLE:
                cursor.execute(sql)
        chunks = chunks_of_units(args.chunk_facilities)
        print(
            f"month {PERIOD:%Y-%m} as of {DAY}: {len(chunks)} chunks of units of at most "
            f"{args.chunk_facilities:,} facilities (compile_period's way)"
        )

        portal, raw, city = compile_rounds(args.rounds, args.chunk_facilities)
        written = snapshot_rows()
        single = statistics.median(portal)
        print(
            f"single: portal {single:.2f} s ({seconds_list(portal)}), raw SQL {statistics.median(raw):.2f} s "
            f"({seconds_list(raw)}); {written:,} snapshot rows written per compile"
        )
        print(
            "stored rows identical (every indicator of every unit and the city): "
            + ", ".join(f"{k} {city[k]:,}" for k in ("facilities", "slots", "enrolled", "staff"))
            + ", recognitions "
            + "/".join(str(city[k]) for k in RAW_CODES if k.startswith("recognitions"))
        )
        ratio = single / statistics.median(raw)
        print(f"ratio portal ÷ raw SQL {ratio:.2f} (target ≤ 1.5)")
        computing = compute_only(args.chunk_facilities)
        print(f"of the portal's time: compile_units over the chunks alone {computing:.2f} s (nothing stored)")

        # The statistics endpoint, 1× and 10× snapshot rows
        stats_user = User.objects.create(username="bench_stats", role="statistics_client")
        _token, key = api_token_issue(user=stats_user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        rows_1 = snapshot_rows()
        latency_1, body_1 = endpoint_medians(client, args.requests)
        with connection.cursor() as cursor:
            cursor.execute(HISTORY, {"period": PERIOD})
            cursor.execute(HISTORY_STATES, {"period": PERIOD})
            cursor.execute("ANALYZE reports_snapshot")
        rows_10 = snapshot_rows()
        latency_10, body_10 = endpoint_medians(client, args.requests)
        assert body_1 == body_10, "the body changed with more history"
        print(
            f"GET /api/v1/statistics/districts/?period={PERIOD:%Y-%m} ({len(body_1) / 1024:.0f} KiB, cache cleared): "
            f"{latency_1 * 1000:.0f} ms with {rows_1:,} snapshot rows, {latency_10 * 1000:.0f} ms with {rows_10:,} "
            f"({rows_10 / rows_1:.1f}×); ratio {latency_10 / latency_1:.2f} (target ≤ 1.2; median of {args.requests})"
        )

        # Doubled data
        start = time.perf_counter()
        fill_facilities(args.facilities, districts, admin.pk)
        filled_again = time.perf_counter() - start
        portal_2, raw_2, city_2 = compile_rounds(args.rounds, args.chunk_facilities)
        doubled = statistics.median(portal_2)
        print(
            f"doubled ({counts()['facilities_facility']:,} facilities, filled in {filled_again:.0f} s): portal "
            f"{doubled:.2f} s ({seconds_list(portal_2)}), raw {statistics.median(raw_2):.2f} s "
            f"({seconds_list(raw_2)}); figures agree (city facilities {city_2['facilities']:,}, "
            f"staff {city_2['staff']:,})"
        )
        print(
            f"portal doubled ÷ single {doubled / single:.2f} (target ≤ 2.2); ratio portal ÷ raw on doubled data "
            f"{doubled / statistics.median(raw_2):.2f}"
        )
        print(f"peak resident memory (ru_maxrss): {max_rss_mb():.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
