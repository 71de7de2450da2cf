"""The retention schedule's pure rules: no database."""

from datetime import date

import pytest

from suzhou_childcare.privacy import rules


@pytest.mark.parametrize(
    ("today", "value", "unit", "expected"),
    [
        (date(2026, 5, 10), 3, "years", date(2023, 5, 10)),
        (date(2026, 5, 10), 18, "months", date(2024, 11, 10)),
        (date(2026, 5, 10), 30, "days", date(2026, 4, 10)),
        # A leap day: one year back from 2025-02-28 is 2024-02-28; from 2028-02-29 it is 2027-02-28.
        (date(2028, 2, 29), 1, "years", date(2027, 2, 28)),
        (date(2026, 3, 31), 1, "months", date(2026, 2, 28)),
    ],
)
def test_cutoff_is_the_last_basis_date_whose_period_has_run_out(today, value, unit, expected):
    assert rules.cutoff_date(today, value=value, unit=unit) == expected


def test_a_record_exactly_at_the_cutoff_is_due_one_day_later_is_not():
    cutoff = rules.cutoff_date(date(2026, 5, 10), value=5, unit="years")
    assert rules.is_due(date(2021, 5, 10), cutoff=cutoff)
    assert rules.is_due(date(2021, 5, 9), cutoff=cutoff)
    assert not rules.is_due(date(2021, 5, 11), cutoff=cutoff)
    assert not rules.is_due(None, cutoff=cutoff)


@pytest.mark.parametrize(("value", "unit"), [(0, "years"), (3, "weeks")])
def test_a_period_must_be_positive_and_in_a_known_unit(value, unit):
    with pytest.raises(ValueError):
        rules.cutoff_date(date(2026, 1, 1), value=value, unit=unit)


def test_scans_are_purged_and_counted_records_anonymised():
    assert rules.action_allowed("staff_documents_of_closed_facilities", "purge")
    assert not rules.action_allowed("staff_of_closed_facilities", "purge")
    assert rules.action_allowed("complainant_contacts", "anonymise")
    assert not rules.action_allowed("unknown", "anonymise")


def test_phone_numbers_compare_without_spaces_dashes_or_country_code():
    assert rules.normalise_phone("+86 139-1234-5678") == "13912345678"
    assert rules.normalise_phone("0512 6523 0000") == "051265230000"
    assert rules.normalise_phone("") == ""


def test_scrub_stars_out_every_occurrence_longest_first():
    text = "钱多多（电话13912345678）反映：钱多多的孩子受伤。"
    assert rules.scrub(text, ["钱多多", "13912345678", ""]) == "***（电话***）反映：***的孩子受伤。"
    assert rules.scrub("欧阳明和欧阳", ["欧阳", "欧阳明"]) == "***和***"
