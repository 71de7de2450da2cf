"""The random draw (双随机) as a pure function: reproducible for a seed, weighted, fair to inspectors. No database."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from inspections.rules_planning import DrawInputError, draw, draw_weight

FACILITIES = [(facility_id, 1) for facility_id in range(101, 121)]  # 20 facilities, weight 1
INSPECTORS = [7, 8, 9, 10, 11]


def test_the_same_seed_gives_the_same_facilities_and_inspectors():
    first = draw(20250101, FACILITIES, 6, INSPECTORS, 2)
    second = draw(20250101, FACILITIES, 6, INSPECTORS, 2)
    assert first == second
    assert len(first) == 6


def test_the_order_the_database_returns_rows_in_does_not_matter():
    shuffled_facilities = FACILITIES[:]
    random.Random(1).shuffle(shuffled_facilities)
    shuffled_inspectors = list(reversed(INSPECTORS))
    assert draw(42, shuffled_facilities, 6, shuffled_inspectors, 2) == draw(42, FACILITIES, 6, INSPECTORS, 2)


def test_a_different_seed_gives_a_different_draw():
    assert draw(1, FACILITIES, 6, INSPECTORS, 2) != draw(2, FACILITIES, 6, INSPECTORS, 2)
    drawn_sets = {frozenset(f for f, _team in draw(seed, FACILITIES, 6, INSPECTORS, 2)) for seed in range(30)}
    assert len(drawn_sets) > 25  # 38,760 possible sets of 6 among 20


def test_a_logged_draw_stays_reproducible():
    """Pinned literal results: a change of algorithm would silently break the reproduction of logged draws."""
    assert draw(20250101, FACILITIES, 4, INSPECTORS, 2) == [
        (112, (7, 8)),
        (107, (9, 10)),
        (120, (8, 11)),
        (108, (7, 10)),
    ]
    weighted = [(facility_id, 1 if facility_id % 3 else 3) for facility_id, _weight in FACILITIES]
    assert draw(20250101, weighted, 4, INSPECTORS, 2) == [
        (120, (7, 8)),
        (112, (9, 10)),
        (108, (8, 11)),
        (114, (7, 10)),
    ]


def test_each_facility_is_drawn_at_most_once_and_the_sample_is_capped_by_the_candidates():
    result = draw(5, FACILITIES[:4], 10, INSPECTORS, 2)
    assert sorted(f for f, _team in result) == [101, 102, 103, 104]
    result = draw(5, FACILITIES, 12, INSPECTORS, 2)
    assert len({f for f, _team in result}) == 12


def test_no_inspector_twice_on_a_facility_and_loads_differ_by_at_most_one():
    result = draw(99, FACILITIES, 7, INSPECTORS, 3)
    load = Counter()
    for _facility, team in result:
        assert len(team) == 3
        assert len(set(team)) == 3
        assert set(team) <= set(INSPECTORS)
        load.update(team)
    assert sum(load.values()) == 21
    assert max(load.values()) - min(load[i] for i in INSPECTORS) <= 1


def test_pairings_vary_between_facilities():
    """Not a fixed round-robin where the same two inspectors always go together."""
    teams = set()
    for seed in range(20):
        teams.update(team for _f, team in draw(seed, FACILITIES, 5, INSPECTORS, 2))
    assert len(teams) == 10  # every one of the C(5, 2) pairs occurs


def test_a_serious_finding_raises_the_chance_of_being_drawn():
    """Over 2,000 fixed seeds (deterministic): weight 3 is drawn far more often than weight 1."""
    facilities = [(1, 3)] + [(facility_id, 1) for facility_id in range(2, 11)]
    counts = Counter()
    for seed in range(2000):
        counts.update(f for f, _team in draw(seed, facilities, 2, INSPECTORS, 2))
    others = [counts[facility_id] for facility_id in range(2, 11)]
    mean_other = sum(others) / len(others)
    # Expected about 0.45 against 0.17 per draw of two among ten.
    assert counts[1] > 2.2 * mean_other
    assert 0.40 < counts[1] / 2000 < 0.51


def test_equal_weights_give_every_facility_about_the_same_chance():
    facilities = [(facility_id, 1) for facility_id in range(1, 11)]
    counts = Counter()
    for seed in range(2000):
        counts.update(f for f, _team in draw(seed, facilities, 3, INSPECTORS, 2))
    expected = 2000 * 3 / 10
    assert all(abs(counts[f] - expected) < 0.15 * expected for f in range(1, 11))


def test_weight_rule():
    assert draw_weight(serious_finding_recently=True, serious_finding_weight=3) == 3
    assert draw_weight(serious_finding_recently=False, serious_finding_weight=3) == 1
    assert draw_weight(serious_finding_recently=True, serious_finding_weight=0) == 1


@pytest.mark.parametrize(
    ("facilities", "inspectors", "per_facility"),
    [
        ([(1, 1), (1, 1)], INSPECTORS, 2),  # a facility twice
        ([(1, 0)], INSPECTORS, 2),  # weight 0
        ([(1, 1)], [7], 2),  # fewer inspectors than a facility needs
        ([(1, 1)], INSPECTORS, 0),  # no inspector at all
    ],
)
def test_impossible_inputs_are_refused(facilities, inspectors, per_facility):
    with pytest.raises(DrawInputError):
        draw(1, facilities, 1, inspectors, per_facility)


def test_nothing_to_draw_gives_an_empty_draw():
    assert draw(1, [], 5, INSPECTORS, 2) == []
    assert draw(1, FACILITIES, 0, INSPECTORS, 2) == []
