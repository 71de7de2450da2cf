"""The monthly subsidy run (facts + calculation + statements, lines and awards inserted) against one hand-written
SQL statement that computes and inserts the same rows, in the same run on the same data.

Creates a throw-away PostgreSQL test database, fills it (untimed, with INSERT … SELECT) with synthetic facilities
spread over the 10 units, each with its history, full-day fee, recognitions (some expired, suspended, revoked or
not yet valid), the month's enrolment report (some corrected), serious rectification orders and penalties,
"1+N" hubs with sites, and facilities that opened or grew after the policy started (per-slot awards). The rule
sets are the seeded defaults (subsidies/reference.py: the city-wide one and the 4 county-level cities' own, same
terms, awards included).

Timed, each from scratch (statements, lines and award grants truncated before every round):
- portal: `period_calculate(period=2026-05)` over every unit;
- raw SQL: one INSERT … SELECT with CTEs implementing the same terms (eligibility, base tiers, infant supplement,
  serious-violation deduction, per-slot cap, the four one-time awards), writing statements (inputs and the same
  SHA-256 fingerprint), lines and award grants.
The raw SQL neither locks facilities nor looks for existing statements (it only inserts); the portal does both
(one locking SELECT and one statements lookup per chunk of 5,000). Both results are compared row by row
(statements with inputs and fingerprint, lines, grants), a sample of fingerprints is recomputed with
`Result.fingerprint()`, then the medians, their ratio and the peak resident memory of the process are printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/subsidy_month.py
    … bench/subsidy_month.py --facilities 10000 --rounds 1     # a quick run
"""

import argparse
import json
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

PERIOD = date(2026, 5, 1)
LAST = date(2026, 5, 31)
FACILITIES = 100_000
ROUNDS = 5

# --- synthetic data (untimed) ----------------------------------------------------------------------------------

# One row per facility with its drawn attributes; h(salt) is a deterministic draw in 0..999.
SPEC = """
CREATE TABLE bench_spec AS
WITH draws AS (
    SELECT i, %(base)s + i AS id, (%(districts)s::text[])[1 + mod(i, 10)] AS district_id,
           mod(abs(hashtext(i || 'c')), 1000) AS h_cat, mod(abs(hashtext(i || 'f')), 1000) AS h_fil,
           mod(abs(hashtext(i || 's')), 1000) AS h_slots, mod(abs(hashtext(i || 'h')), 1000) AS h_hist,
           mod(abs(hashtext(i || 'o')), 1000) AS h_open, mod(abs(hashtext(i || 'x')), 1000) AS h_fee,
           mod(abs(hashtext(i || 'p')), 1000) AS h_price, mod(abs(hashtext(i || 'r')), 1000) AS h_rep,
           mod(abs(hashtext(i || 'i')), 1000) AS h_inf, mod(abs(hashtext(i || 't')), 1000) AS h_tod,
           mod(abs(hashtext(i || 'l')), 1000) AS h_old, mod(abs(hashtext(i || 'e')), 1000) AS h_enr,
           mod(abs(hashtext(i || 'v')), 1000) AS h_insp, mod(abs(hashtext(i || 'w')), 1000) AS h_close,
           mod(abs(hashtext(i || 'y')), 1000) AS h_pen
    FROM generate_series(1, %(n)s) AS i
)
SELECT d.*,
       CASE WHEN h_cat < 80 THEN 'kindergarten_class' ELSE 'social' END AS category,
       CASE WHEN h_fil < 50 THEN 'known' WHEN h_fil < 70 THEN 'submitted' WHEN h_fil < 100 THEN 'verified'
            WHEN h_fil < 120 THEN 'change_pending' ELSE 'filed' END AS filing_status,
       20 + mod(h_slots, 60) AS slots,
       -- history: normal (one version since opening before 2021), new (opened 2023+: every slot new),
       -- grown (10 slots added in 2023), changing after the month (a version from 2026-06-10), closed in 2025
       CASE WHEN h_hist < 10 THEN 'new' WHEN h_hist < 60 THEN 'grown' WHEN h_hist < 65 THEN 'later'
            WHEN h_hist < 75 THEN 'closed' ELSE 'normal' END AS history,
       CASE WHEN h_hist < 10 THEN DATE '2023-06-01' + mod(h_open, 900) ELSE DATE '2018-01-01' + h_open END
           AS opened_on,
       CASE WHEN h_rep >= 30 THEN true ELSE false END AS reported,
       CASE WHEN h_rep BETWEEN 30 AND 49 THEN true ELSE false END AS corrected,
       CASE WHEN h_inf < 600 THEN 1 + mod(h_inf, 8) ELSE 0 END AS infants,
       5 + mod(h_tod, 11) AS toddlers,
       CASE WHEN h_old < 700 THEN 5 + mod(h_old, 16) ELSE 0 END AS older,
       30 + mod(h_enr, 25) AS version_enrolled,
       CASE WHEN mod(i, 200) = 1 THEN NULL WHEN mod(i, 200) BETWEEN 2 AND 4 THEN %(base)s + i - mod(i, 200) + 1
            ELSE NULL END AS hub_id
FROM draws d
"""

FILL = [
    """
    INSERT INTO facilities_facility (id, name, registration_route, uscc, category, form, hub_id,
        medical_integration, elderly_child_integration, district_id, address, slots, enrolled, meals_served,
        premises_tenure, surveillance_covers_infant_areas, one_click_alarm, licensed_guard, insurance_mode, insurer,
        policy_number, opened_on, closed_on, filing_status, filing_number, review_reasons, pending_changes,
        quality_grade, serious_violation_reference, training_gaps, created_at, updated_at)
    SELECT id, '基准托育机构' || i, 'enterprise', '', category, 'standalone', NULL, false, false, district_id, '',
           CASE WHEN history = 'later' THEN slots + 5 ELSE slots END, version_enrolled, false, 'owned', false, false,
           false, 'none', '', '', opened_on, CASE WHEN history = 'closed' THEN DATE '2025-12-31' END, filing_status,
           CASE WHEN filing_status IN ('filed', 'verified', 'change_pending') THEN 'BENCH-' || i END, '', '{}', '',
           '', '[]', now(), now()
    FROM bench_spec
    """,
    "UPDATE facilities_facility f SET hub_id = s.hub_id FROM bench_spec s WHERE s.id = f.id AND s.hub_id IS NOT NULL",
    "SELECT setval(pg_get_serial_sequence('facilities_facility', 'id'), (SELECT max(id) FROM facilities_facility))",
    # Versions: the first from the opening day (with 10 fewer slots for the facilities that grew in 2023)
    """
    INSERT INTO facilities_facilityversion (facility_id, valid_from, valid_to, opened_on, closed_on, district_id,
        category, form, filing_status, slots, enrolled, snapshot, changed_at)
    SELECT id, opened_on,
           CASE history WHEN 'grown' THEN DATE '2023-01-01' WHEN 'later' THEN DATE '2026-06-10' END,
           opened_on, CASE WHEN history = 'closed' THEN DATE '2025-12-31' END, district_id, category, 'standalone',
           filing_status, CASE WHEN history = 'grown' THEN slots - 10 ELSE slots END, version_enrolled, '{}', now()
    FROM bench_spec
    """,
    """
    INSERT INTO facilities_facilityversion (facility_id, valid_from, valid_to, opened_on, closed_on, district_id,
        category, form, filing_status, slots, enrolled, snapshot, changed_at)
    SELECT id, CASE history WHEN 'grown' THEN DATE '2023-01-01' ELSE DATE '2026-06-10' END, NULL, opened_on, NULL,
           district_id, category, 'standalone', filing_status,
           CASE WHEN history = 'later' THEN slots + 5 ELSE slots END, version_enrolled, '{}', now()
    FROM bench_spec WHERE history IN ('grown', 'later')
    """,
    # Full-day fees from 70 % to 105 % of the unit's 2026 reference (2 % offer no full-day service)
    """
    INSERT INTO facilities_serviceoffering (facility_id, service_form, monthly_fee)
    SELECT s.id, 'full_day', round(r.full_day_monthly_fee * (70 + mod(s.h_price, 36)) / 100, -1)
    FROM bench_spec s JOIN facilities_feereference r ON r.district_id = s.district_id AND r.year = 2026
    WHERE s.h_fee >= 20
    """,
    """
    INSERT INTO facilities_serviceoffering (facility_id, service_form, monthly_fee)
    SELECT id, 'half_day', 900 FROM bench_spec WHERE mod(h_fee, 3) = 0
    """,
    # Recognitions: 15 % municipal inclusive, 5 % provincial inclusive, 3 % municipal model, 2 % provincial model;
    # of each, some expired, suspended, revoked in May or valid only from June (none of these count).
    """
    INSERT INTO facilities_recognition (facility_id, kind, number, status, valid_from, valid_to, granted_on,
        decision_reference, criteria_set_id, facts, evaluation, revoked_on, revocation_reason, expired_on,
        created_at, updated_at)
    SELECT s.id, k.kind, left(k.kind, 1) || k.salt || '-' || s.i,
           CASE WHEN state < 50 THEN 'expired' WHEN state < 70 THEN 'suspended' WHEN state < 80 THEN 'revoked'
                ELSE 'active' END,
           CASE WHEN state < 50 THEN DATE '2023-03-01' WHEN state BETWEEN 80 AND 99 THEN DATE '2026-06-15'
                ELSE DATE '2025-01-01' END,
           CASE WHEN state < 50 THEN DATE '2026-03-01' ELSE DATE '2029-01-01' END,
           DATE '2025-01-01', '', c.id, '{}', '{}',
           CASE WHEN state BETWEEN 70 AND 79 THEN DATE '2026-05-15' END, '',
           CASE WHEN state < 50 THEN DATE '2026-03-01' END, now(), now()
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
    SELECT id, DATE '2026-04-01', 'bench', '', '' FROM facilities_recognition WHERE status = 'suspended'
    """,
    # May reports (97 %): infant (60 %), toddler and older (70 %) classes; 2 % corrected once (revision 2)
    """
    INSERT INTO subsidies_enrolmentreport (facility_id, period, revision, status, deadline, submitted_by_id,
        submitted_at, late, correction_reason)
    SELECT id, %(period)s, 1, CASE WHEN corrected THEN 'superseded' ELSE 'current' END, DATE '2026-06-08',
           %(user)s, now(), false, ''
    FROM bench_spec WHERE reported
    UNION ALL
    SELECT id, %(period)s, 2, 'current', DATE '2026-06-08', %(user)s, now(), false, 'bench'
    FROM bench_spec WHERE reported AND corrected
    """,
    """
    INSERT INTO subsidies_enrolmentreportline (report_id, class_type, enrolled, attendance_days, carers)
    SELECT r.id, c.class_type, c.enrolled + CASE WHEN r.status = 'superseded' THEN 3 ELSE 0 END,
           c.enrolled * 20, 2
    FROM subsidies_enrolmentreport r JOIN bench_spec s ON s.id = r.facility_id
    CROSS JOIN LATERAL (VALUES ('infant', s.infants), ('toddler', s.toddlers), ('older', s.older))
        AS c(class_type, enrolled)
    WHERE c.enrolled > 0
    """,
    # Inspections: 1.5 % a serious finding (order closed in April, closed in May, or still open); 1.5 % moderate
    """
    INSERT INTO inspections_inspection (facility_id, kind, inspected_on, status, summary, created_by_id,
        created_at, completed_at)
    SELECT id, 'routine', DATE '2026-04-20', 'completed', '', %(user)s, now(), now()
    FROM bench_spec WHERE h_insp < 30
    """,
    """
    INSERT INTO inspections_finding (inspection_id, facility_id, item_code, weight, description, clause,
        recorded_on)
    SELECT ins.id, ins.facility_id, 'bench', CASE WHEN s.h_insp < 15 THEN 'serious' ELSE 'moderate' END, 'bench',
           '', DATE '2026-04-20'
    FROM inspections_inspection ins JOIN bench_spec s ON s.id = ins.facility_id
    """,
    """
    INSERT INTO inspections_rectificationorder (finding_id, facility_id, issued_on, deadline, status, response,
        closed_on)
    SELECT fi.id, fi.facility_id, DATE '2026-04-20', DATE '2026-05-20',
           CASE WHEN mod(s.h_close, 3) = 2 THEN 'open' ELSE 'closed' END, '',
           CASE mod(s.h_close, 3) WHEN 0 THEN DATE '2026-04-28' WHEN 1 THEN DATE '2026-05-10' END
    FROM inspections_finding fi JOIN bench_spec s ON s.id = fi.facility_id
    """,
    # Penalties: serious decided in May (0.5 %), warnings decided in May (1 %), serious decided in April or only
    # proposed (neither counts)
    """
    INSERT INTO inspections_penalty (facility_id, kind, amount, facts, legal_basis, status, proposed_by_id,
        proposed_on, decided_by_id, decided_on, decision_number, hearing_status, appeal_status)
    SELECT id, CASE WHEN h_pen BETWEEN 5 AND 14 THEN 'warning' ELSE 'suspension' END, 60000, 'bench', 'bench',
           CASE WHEN h_pen >= 20 THEN 'proposed' ELSE 'decided' END, %(user)s, DATE '2026-04-01',
           CASE WHEN h_pen < 20 THEN %(decider)s END,
           CASE WHEN h_pen < 15 THEN DATE '2026-05-20' WHEN h_pen < 20 THEN DATE '2026-04-10' END, '', '', ''
    FROM bench_spec WHERE h_pen < 23
    """,
    "DROP TABLE bench_spec",
    "ANALYZE",
]


def fill(n: int) -> None:
    from suzhou_childcare.accounts.models import User
    from suzhou_childcare.regions.models import District

    user = User.objects.create(username="bench_admin", role="city_admin")
    decider = User.objects.create(username="bench_decider", role="city_admin")
    districts = sorted(District.objects.values_list("code", flat=True))
    assert len(districts) == 10, districts
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM facilities_facility")
        base = cursor.fetchone()[0]
        params = {"base": base, "districts": districts, "n": n, "period": PERIOD}
        params.update(user=user.pk, decider=decider.pk)
        cursor.execute(SPEC, params)
        for sql in FILL:
            cursor.execute(sql, params)


# --- the hand-written SQL ------------------------------------------------------------------------------------------

# The seeded default terms (subsidies/reference.py DEFAULT_TERMS), written out: filed + social + fee within the
# reference + a report; base = enrolled × the highest tier held (300 / municipal inclusive 500 / provincial
# inclusive 600 / municipal model 700 / provincial model 800); infants × 100; 20 % off the subtotal for a month with
# a serious violation open; capped at 800 × slots; awards: 10,000 per new slot, 10,000 per new inclusive slot,
# 50,000 for 150+ enrolled (with the hub's sites), 100,000 for 3+ sites. The fingerprint is the SHA-256 of the
# same JSON text `Result.fingerprint` hashes (sorted keys, ASCII escapes).
RAW = r"""
WITH
rs AS (
    SELECT d.code AS district_id, r.id AS rule_set_id, r.effective_from, r.edition || ' (#' || r.id || ')' AS ref
    FROM regions_district d
    CROSS JOIN LATERAL (
        SELECT * FROM subsidies_ruleset r
        WHERE r.status = 'active' AND r.effective_from <= %(period)s
          AND (r.effective_to IS NULL OR r.effective_to > %(period)s)
          AND (r.district_id = d.code OR r.district_id IS NULL)
        ORDER BY r.district_id IS NULL, r.effective_from DESC
        LIMIT 1
    ) r
),
rsj AS MATERIALIZED (
    SELECT rs.*, (
        SELECT string_agg(CASE WHEN c = '"' THEN '\"' WHEN c = '\' THEN '\\'
                               WHEN ascii(c) < 128 THEN c ELSE '\u' || lpad(to_hex(ascii(c)), 4, '0') END,
                          '' ORDER BY n)
        FROM regexp_split_to_table(rs.ref, '') WITH ORDINALITY AS t(c, n)
    ) AS ref_json
    FROM rs
),
fac AS (
    SELECT f.id, f.district_id, f.category, f.filing_status, f.slots, f.opened_on, f.closed_on
    FROM facilities_facility f
    WHERE (f.opened_on IS NULL OR f.opened_on <= %(last)s) AND (f.closed_on IS NULL OR f.closed_on >= %(period)s)
),
ver AS (
    SELECT fac.id AS facility_id, rsj.rule_set_id, rsj.ref, rsj.ref_json, rsj.effective_from,
           CASE WHEN v.id IS NULL THEN fac.category ELSE v.category END AS category,
           CASE WHEN v.id IS NULL THEN fac.filing_status ELSE v.filing_status END AS filing_status,
           CASE WHEN v.id IS NULL THEN fac.slots ELSE v.slots END AS slots,
           CASE WHEN v.id IS NULL THEN fac.district_id ELSE v.district_id END AS district_id,
           CASE WHEN v.id IS NULL THEN fac.opened_on ELSE v.opened_on END AS opened_on,
           CASE WHEN v.id IS NULL THEN fac.closed_on ELSE v.closed_on END AS closed_on
    FROM fac
    JOIN rsj ON rsj.district_id = fac.district_id
    LEFT JOIN facilities_facilityversion v
           ON v.facility_id = fac.id AND v.valid_from <= %(last)s AND (v.valid_to IS NULL OR v.valid_to > %(last)s)
),
op AS (
    SELECT * FROM ver
    WHERE (opened_on IS NULL OR opened_on <= %(last)s) AND (closed_on IS NULL OR closed_on >= %(period)s)
),
rec AS (
    SELECT r.facility_id, array_agg(r.kind::text ORDER BY r.kind COLLATE "C") AS kinds
    FROM facilities_recognition r
    WHERE r.valid_from <= %(last)s AND r.valid_to > %(last)s AND (r.revoked_on IS NULL OR r.revoked_on > %(last)s)
      AND NOT EXISTS (
          SELECT 1 FROM facilities_recognitionsuspension s
          WHERE s.recognition_id = r.id AND s.suspended_on <= %(last)s
            AND (s.lifted_on IS NULL OR s.lifted_on > %(last)s))
    GROUP BY r.facility_id
),
rep AS (
    SELECT facility_id, id AS report_id FROM subsidies_enrolmentreport
    WHERE period = %(period)s AND status = 'current'
),
lin AS (
    SELECT rep.facility_id, sum(l.enrolled) AS enrolled,
           coalesce(sum(l.enrolled) FILTER (WHERE l.class_type = 'infant'), 0) AS infants,
           jsonb_object_agg(l.class_type, l.enrolled) AS by_class
    FROM rep JOIN subsidies_enrolmentreportline l ON l.report_id = rep.report_id
    GROUP BY rep.facility_id
),
ord AS (
    SELECT DISTINCT o.facility_id
    FROM inspections_rectificationorder o JOIN inspections_finding fi ON fi.id = o.finding_id
    WHERE fi.weight = 'serious' AND o.issued_on <= %(last)s AND (o.closed_on IS NULL OR o.closed_on >= %(period)s)
),
pen AS (
    SELECT p.facility_id, count(*) AS n,
           count(*) FILTER (WHERE p.kind IN (SELECT kind FROM inspections_penaltyrule WHERE serious)) AS serious
    FROM inspections_penalty p
    WHERE p.status = 'decided' AND p.decided_on >= %(period)s AND p.decided_on <= %(last)s
    GROUP BY p.facility_id
),
site AS (
    SELECT s.hub_id, count(*) AS n, sum(v.enrolled) AS enrolled
    FROM facilities_facilityversion v JOIN facilities_facility s ON s.id = v.facility_id
    WHERE s.hub_id IS NOT NULL AND v.valid_from <= %(last)s AND (v.valid_to IS NULL OR v.valid_to > %(last)s)
      AND (v.closed_on IS NULL OR v.closed_on > %(last)s)
    GROUP BY s.hub_id
),
granted AS (
    SELECT facility_id,
           bool_or(award_code = 'large_enrolment' AND slot_number IS NULL) AS large_enrolment,
           bool_or(award_code = 'brand_chain' AND slot_number IS NULL) AS brand_chain,
           coalesce(max(slot_number) FILTER (WHERE award_code = 'construction_slot'), 0) AS construction_through,
           coalesce(max(slot_number) FILTER (WHERE award_code = 'inclusive_new_slot'), 0) AS inclusive_through
    FROM subsidies_awardgrant GROUP BY facility_id
),
facts AS (
    SELECT op.facility_id, op.rule_set_id, op.ref, op.ref_json, op.category, op.filing_status, op.slots,
           o.monthly_fee AS fee, fr.full_day_monthly_fee AS reference, coalesce(rec.kinds, '{}') AS kinds,
           rep.facility_id IS NOT NULL AS report_present, coalesce(lin.enrolled, 0) AS enrolled,
           coalesce(lin.infants, 0) AS infants, coalesce(lin.by_class, '{}'::jsonb) AS by_class,
           ord.facility_id IS NOT NULL OR coalesce(pen.serious, 0) > 0 AS serious_open,
           coalesce(pen.n, 0) AS penalties, coalesce(site.n, 0) AS chain_sites,
           coalesce(lin.enrolled, 0) + coalesce(site.enrolled, 0) AS group_enrolled,
           coalesce(b.slots, 0) AS slots_baseline,
           coalesce(g.large_enrolment, false) AS has_large_enrolment,
           coalesce(g.brand_chain, false) AS has_brand_chain,
           coalesce(g.construction_through, 0) AS construction_through,
           coalesce(g.inclusive_through, 0) AS inclusive_through
    FROM op
    LEFT JOIN facilities_serviceoffering o ON o.facility_id = op.facility_id AND o.service_form = 'full_day'
    LEFT JOIN facilities_feereference fr ON fr.district_id = op.district_id AND fr.year = %(year)s
    LEFT JOIN rec ON rec.facility_id = op.facility_id
    LEFT JOIN rep ON rep.facility_id = op.facility_id
    LEFT JOIN lin ON lin.facility_id = op.facility_id
    LEFT JOIN ord ON ord.facility_id = op.facility_id
    LEFT JOIN pen ON pen.facility_id = op.facility_id
    LEFT JOIN site ON site.hub_id = op.facility_id
    LEFT JOIN granted g ON g.facility_id = op.facility_id
    LEFT JOIN facilities_facilityversion b
           ON op.effective_from > DATE '2000-01-01' AND b.facility_id = op.facility_id
          AND b.valid_from <= op.effective_from - 1 AND (b.valid_to IS NULL OR b.valid_to > op.effective_from - 1)
),
calc AS (
    SELECT facts.*,
           CASE WHEN filing_status NOT IN ('filed', 'verified', 'change_pending') THEN 'not_filed'
                WHEN category NOT IN ('social') THEN 'category'
                WHEN fee IS NULL THEN 'no_full_day_fee'
                WHEN reference IS NULL THEN 'no_fee_reference'
                WHEN fee > reference THEN 'fee_above_reference'
                WHEN NOT report_present THEN 'no_report'
                ELSE '' END AS reason_code,
           CASE WHEN 'provincial_model' = ANY(kinds) THEN 'provincial_model'
                WHEN 'municipal_model' = ANY(kinds) THEN 'municipal_model'
                WHEN 'provincial_inclusive' = ANY(kinds) THEN 'provincial_inclusive'
                WHEN 'municipal_inclusive' = ANY(kinds) THEN 'municipal_inclusive' END AS base_recognition,
           CASE WHEN 'provincial_model' = ANY(kinds) THEN 800.00
                WHEN 'municipal_model' = ANY(kinds) THEN 700.00
                WHEN 'provincial_inclusive' = ANY(kinds) THEN 600.00
                WHEN 'municipal_inclusive' = ANY(kinds) THEN 500.00 ELSE 300.00 END AS base_rate,
           'municipal_inclusive' = ANY(kinds) OR 'provincial_inclusive' = ANY(kinds) AS inclusive
    FROM facts
),
sub AS (
    SELECT c.*, round(enrolled * base_rate, 2) AS base_amount, round(infants * 100.00, 2) AS infant_amount,
           round(enrolled * base_rate, 2) + round(infants * 100.00, 2) AS subtotal
    FROM calc c WHERE reason_code = ''
),
ded AS (
    SELECT sub.*, CASE WHEN serious_open THEN -round(subtotal * 0.20, 2) END AS deduction,
           subtotal - CASE WHEN serious_open THEN round(subtotal * 0.20, 2) ELSE 0 END AS running,
           round(800.00 * slots, 2) AS cap,
           greatest(slots_baseline, construction_through) AS construction_from,
           greatest(slots_baseline, inclusive_through) AS inclusive_from
    FROM sub
),
lines AS (
    -- (facility, order, code, rule suffix, quantity, its text, rate, amount, inputs JSON text, award slots)
    SELECT facility_id, rule_set_id, ref, ref_json, 1 AS ord, 'base' AS code,
           ' base_rates[' || coalesce(base_recognition, '*') || ']' AS suffix,
           enrolled::numeric AS quantity, enrolled::text AS quantity_text, base_rate AS rate, base_amount AS amount,
           '{"basis": "enrolled", "recognition": ' || coalesce('"' || base_recognition || '"', 'null') || '}'
               AS inputs, NULL::int AS slot_from, NULL::int AS slot_to
    FROM ded
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 2, 'class_supplement.infant', ' class_supplements.infant',
           infants, infants::text, 100.00, infant_amount, '{"class_type": "infant"}', NULL, NULL
    FROM ded WHERE infants > 0
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 3, 'deduction.serious_violation',
           ' deductions.serious_violation_share', subtotal, subtotal::text, 0.20, deduction, '{}', NULL, NULL
    FROM ded WHERE serious_open
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 4, 'cap.per_slot_month', ' caps', running, running::text,
           NULL, cap - running, '{}', NULL, NULL
    FROM ded WHERE running > cap
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 5, 'award.construction_slot', ' awards.construction_slot',
           slots - construction_from, (slots - construction_from)::text, 10000.00,
           round(10000.00 * (slots - construction_from), 2),
           '{"slots": [' || (construction_from + 1) || ', ' || slots || ']}', construction_from + 1, slots
    FROM ded WHERE slots > construction_from
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 6, 'award.inclusive_new_slot', ' awards.inclusive_new_slot',
           slots - inclusive_from, (slots - inclusive_from)::text, 10000.00,
           round(10000.00 * (slots - inclusive_from), 2),
           '{"slots": [' || (inclusive_from + 1) || ', ' || slots || ']}', inclusive_from + 1, slots
    FROM ded WHERE inclusive AND slots > inclusive_from
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 7, 'award.large_enrolment', ' awards.large_enrolment',
           NULL, NULL, NULL, 50000.00, '{}', NULL, NULL
    FROM ded WHERE NOT has_large_enrolment AND group_enrolled >= 150
    UNION ALL
    SELECT facility_id, rule_set_id, ref, ref_json, 8, 'award.brand_chain', ' awards.brand_chain',
           NULL, NULL, NULL, 100000.00, '{}', NULL, NULL
    FROM ded WHERE NOT has_brand_chain AND chain_sites >= 3
),
numbered AS (
    SELECT lines.*, row_number() OVER (PARTITION BY facility_id ORDER BY ord) AS position,
           '{"amount": "' || amount || '", "code": "' || code || '", "inputs": ' || inputs
           || ', "quantity": ' || coalesce('"' || quantity_text || '"', 'null')
           || ', "rate": ' || coalesce('"' || rate || '"', 'null')
           || ', "rule": "' || ref_json || suffix || '"}' AS digest_text
    FROM lines
),
totals AS (
    SELECT facility_id, sum(amount) AS total, string_agg(digest_text, ', ' ORDER BY position) AS digest_lines
    FROM numbered GROUP BY facility_id
),
statements AS (
    INSERT INTO subsidies_statement (facility_id, period, kind, rule_set_id, eligible, reason_code, reason, total,
                                     inputs, fingerprint, calculated_at)
    SELECT c.facility_id, %(period)s, 'regular', c.rule_set_id, c.reason_code = '', c.reason_code,
           coalesce(%(reasons)s::jsonb ->> c.reason_code, ''), coalesce(t.total, 0.00),
           jsonb_build_object(
               'category', c.category, 'filing_status', c.filing_status, 'full_day_fee', c.fee::text,
               'fee_reference', c.reference::text, 'recognitions', to_jsonb(c.kinds), 'slots', c.slots,
               'report_present', c.report_present, 'enrolled_by_class', c.by_class,
               'serious_violation_open', c.serious_open, 'penalties_decided', c.penalties,
               'chain_sites', c.chain_sites, 'group_enrolled', c.group_enrolled,
               'slots_baseline', c.slots_baseline),
           encode(sha256(convert_to(
               '{"eligible": ' || (c.reason_code = '')::text || ', "lines": [' || coalesce(t.digest_lines, '')
               || '], "reason": "' || c.reason_code || '", "total": "' || coalesce(t.total, 0.00) || '"}',
               'UTF8')), 'hex'),
           now()
    FROM calc c LEFT JOIN totals t ON t.facility_id = c.facility_id
    RETURNING id, facility_id
),
statement_lines AS (
    INSERT INTO subsidies_statementline (statement_id, position, code, rule, quantity, rate, amount, inputs)
    SELECT s.id, n.position, n.code, left(n.ref || n.suffix, 200), n.quantity, n.rate, n.amount, n.inputs::jsonb
    FROM numbered n JOIN statements s ON s.facility_id = n.facility_id
)
INSERT INTO subsidies_awardgrant (facility_id, award_code, slot_number, statement_id, amount)
SELECT n.facility_id, substr(n.code, 7), slot, s.id, CASE WHEN n.slot_from IS NULL THEN n.amount ELSE n.rate END
FROM numbered n
JOIN statements s ON s.facility_id = n.facility_id
LEFT JOIN LATERAL generate_series(n.slot_from, n.slot_to) AS slot ON true
WHERE n.code LIKE 'award.%%'
"""


def raw_call() -> None:
    from subsidies.selectors import REASONS, reason_text

    reasons = {code: reason_text(code) for code in REASONS}
    with connection.cursor() as cursor:
        cursor.execute(
            RAW,
            {"period": PERIOD, "last": LAST, "year": PERIOD.year, "reasons": json.dumps(reasons, ensure_ascii=False)},
        )


def portal_call() -> None:
    from subsidies.services.calculation import period_calculate

    period_calculate(period=PERIOD)


def truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE subsidies_awardgrant, subsidies_statementline, subsidies_statement")


def snapshot(prefix: str) -> None:
    with connection.cursor() as cursor:
        for sql in (
            f"DROP TABLE IF EXISTS {prefix}_statements, {prefix}_lines, {prefix}_grants",
            f"""CREATE TABLE {prefix}_statements AS
                SELECT facility_id, period, kind, rule_set_id, eligible, reason_code, reason, total, inputs,
                       fingerprint FROM subsidies_statement""",
            f"""CREATE TABLE {prefix}_lines AS
                SELECT s.facility_id, l.position, l.code, l.rule, l.quantity, l.rate, l.amount, l.inputs
                FROM subsidies_statementline l JOIN subsidies_statement s ON s.id = l.statement_id""",
            f"""CREATE TABLE {prefix}_grants AS
                SELECT g.facility_id, g.award_code, g.slot_number, g.amount, s.facility_id AS statement_facility
                FROM subsidies_awardgrant g JOIN subsidies_statement s ON s.id = g.statement_id""",
        ):
            cursor.execute(sql)


def compare() -> dict:
    """Rows of each table in one result and not the other (both ways), and what the portal wrote."""
    out = {}
    with connection.cursor() as cursor:
        for table in ("statements", "lines", "grants"):
            cursor.execute(
                f"""SELECT (SELECT count(*) FROM portal_{table}), (SELECT count(*) FROM raw_{table}),
                           (SELECT count(*) FROM (SELECT * FROM portal_{table} EXCEPT ALL
                                                  SELECT * FROM raw_{table}) d),
                           (SELECT count(*) FROM (SELECT * FROM raw_{table} EXCEPT ALL
                                                  SELECT * FROM portal_{table}) d)"""
            )
            out[table] = cursor.fetchone()
        cursor.execute(
            """SELECT count(*) FILTER (WHERE eligible), sum(total),
                      count(*) FILTER (WHERE inputs->>'serious_violation_open' = 'true' AND eligible)
               FROM portal_statements"""
        )
        out["eligible"], out["sum"], out["deducted"] = cursor.fetchone()
        cursor.execute("SELECT code, count(*) FROM portal_lines GROUP BY code ORDER BY code")
        out["codes"] = cursor.fetchall()
        cursor.execute(
            """WITH pl AS (SELECT facility_id, count(*) AS n FROM portal_lines GROUP BY facility_id),
                    rl AS (SELECT facility_id, count(*) AS n FROM raw_lines GROUP BY facility_id)
               SELECT count(*) FILTER (WHERE p.total IS DISTINCT FROM r.total),
                      count(*) FILTER (WHERE coalesce(pl.n, 0) <> coalesce(rl.n, 0))
               FROM portal_statements p FULL JOIN raw_statements r ON r.facility_id = p.facility_id
               LEFT JOIN pl ON pl.facility_id = coalesce(p.facility_id, r.facility_id)
               LEFT JOIN rl ON rl.facility_id = coalesce(p.facility_id, r.facility_id)"""
        )
        out["total_differs"], out["line_count_differs"] = cursor.fetchone()
        cursor.execute("SELECT reason_code, count(*) FROM portal_statements GROUP BY 1 ORDER BY 1")
        out["reasons"] = cursor.fetchall()
    return out


def timed(fn) -> float:
    truncate()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fingerprints_match(sample: int = 2000) -> int:
    """Recompute a sample of the portal's statements with `Result.fingerprint()` (the calculation writes its own
    faster equivalent) and return how many differ."""
    from subsidies.facts import month_facts
    from subsidies.models import RuleSet, Statement
    from subsidies.rules import calculate, parse_terms
    from subsidies.services.calculation import rule_ref

    by_rule_set: dict[int, list[int]] = {}
    stored, own = {}, []
    for pk, facility_id, rule_set_id, fingerprint in Statement.objects.order_by("?").values_list(
        "pk", "facility_id", "rule_set_id", "fingerprint"
    )[:sample]:
        by_rule_set.setdefault(rule_set_id, []).append(facility_id)
        stored[facility_id] = fingerprint
        own.append(pk)
    rule_sets = RuleSet.objects.in_bulk(by_rule_set)
    differ = 0
    for rule_set_id, ids in by_rule_set.items():
        rule_set = rule_sets[rule_set_id]
        terms = parse_terms(rule_set.terms)
        for pk, facts in month_facts(
            ids, period=PERIOD, baseline_day=rule_set.effective_from, exclude_statements=own
        ).items():
            differ += calculate(terms, facts, rule_ref=rule_ref(rule_set)).fingerprint() != stored[pk]
    return differ


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=FACILITIES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--profile", action="store_true", help="profile one portal round (cProfile, top 30)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print(
            f"This benchmark needs PostgreSQL (the raw side is PostgreSQL SQL); the database is {connection.vendor}.\n"
            "Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/subsidy_month.py"
        )
        sys.exit(2)
    wall = time.perf_counter()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        start = time.perf_counter()
        fill(args.facilities)
        filled = time.perf_counter() - start
        if args.profile:
            import cProfile
            import pstats

            truncate()
            profiler = cProfile.Profile()
            profiler.runcall(portal_call)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        # Rounds alternate (portal, raw SQL, portal, …) so both meet the same load on a shared machine.
        rss_before = max_rss_mb()
        portal, raw = [], []
        queries = []
        for index in range(args.rounds):
            if index == 0:
                with connection.execute_wrapper(lambda execute, *a: queries.append(1) or execute(*a)):
                    portal.append(timed(portal_call))
            else:
                portal.append(timed(portal_call))
            if index == 0:
                rss_after = max_rss_mb()
                snapshot("portal")
                differ = fingerprints_match()
            raw.append(timed(raw_call))
            if index == 0:
                snapshot("raw")
        result = compare()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM facilities_facility")
            facilities = cursor.fetchone()[0]
        print(
            f"database: {connection.vendor} {connection.pg_version // 10000}, {facilities} facilities (filled in "
            f"{filled:.0f} s), period {PERIOD:%Y-%m}, seeded default rule sets (awards included)"
        )
        for table, (p, r, only_p, only_r) in ((t, result[t]) for t in ("statements", "lines", "grants")):
            print(f"{table}: portal {p}, raw SQL {r}, differing rows {only_p} + {only_r}")
            assert p == r and only_p == only_r == 0, f"{table} differ"
        print(
            f"facilities whose total differs: {result['total_differs']}, "
            f"whose number of lines differs: {result['line_count_differs']}"
        )
        assert result["total_differs"] == result["line_count_differs"] == 0
        print(f"fingerprints recomputed with Result.fingerprint() for a sample of 2000: {differ} differ")
        assert differ == 0
        print(f"eligible {result['eligible']}, with a deduction {result['deducted']}, total ¥{result['sum']:,}")
        print("reasons:", ", ".join(f"{code or 'eligible'} {n}" for code, n in result["reasons"]))
        print("lines:", ", ".join(f"{code} {n}" for code, n in result["codes"]))
        median_portal, median_raw = statistics.median(portal), statistics.median(raw)
        print(
            f"portal {median_portal:.2f} s, raw SQL {median_raw:.2f} s (median of {args.rounds}; "
            f"portal {', '.join(f'{s:.2f}' for s in portal)}; raw {', '.join(f'{s:.2f}' for s in raw)})"
        )
        print(f"ratio {median_portal / median_raw:.2f} (target ≤ 2); portal queries per run {len(queries) - 1} + COPY")
        print(
            f"peak resident memory (ru_maxrss): {rss_after:.0f} MB after the first portal round, "
            f"{rss_before:.0f} MB before it"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
