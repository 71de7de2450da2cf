"""The random draw of an inspection plan (双随机: random facilities, random inspectors), as a pure function.

Reproducible by construction: the same seed and the same inputs give the same draw, whatever order the
database returned the rows in (inputs are sorted by id first), on any Python version. Only
`random.Random(seed).random()` is used, the one part of the module whose sequence Python guarantees not to
change between versions (`shuffle`, `sample` and `choices` carry no such promise), so a draw logged today can
still be recomputed from its seed years later.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

Draw = list[tuple[int, tuple[int, ...]]]


class DrawInputError(ValueError):
    """Inputs a draw cannot be made from (the service checks them first and explains them to people)."""


def _validated(
    facilities: Iterable[tuple[int, int]], sample_size: int, inspectors: Iterable[int], per_facility: int
) -> tuple[list[tuple[int, int]], list[int]]:
    pool = sorted((int(facility_id), int(weight)) for facility_id, weight in facilities)
    ids = [facility_id for facility_id, _weight in pool]
    if len(set(ids)) != len(ids):
        raise DrawInputError("a facility is listed twice")
    if any(weight < 1 for _id, weight in pool):
        raise DrawInputError("weights are whole numbers of at least 1")
    people = sorted({int(inspector) for inspector in inspectors})
    if sample_size < 0 or per_facility < 1:
        raise DrawInputError("the sample size is at least 0 and a facility gets at least one inspector")
    if pool and sample_size and per_facility > len(people):
        raise DrawInputError("fewer inspectors than a facility needs")
    return pool, people


def draw(
    seed: int,
    facilities: Sequence[tuple[int, int]],
    sample_size: int,
    inspectors: Sequence[int],
    per_facility: int,
) -> Draw:
    """`sample_size` facilities (all of them if there are fewer), each with `per_facility` inspectors.

    Facilities: weighted sampling without replacement (Efraimidis–Spirakis: each draws the key u^(1/weight)
    and the largest keys win), so a facility of weight 3 is about three times as likely to come first as one
    of weight 1. The result is in the order drawn.

    Inspectors: for each drawn facility in turn, the least-loaded inspectors are taken, ties broken at random;
    no inspector twice on one facility, and loads differ by at most one. Pairings vary from facility to
    facility, unlike a fixed round-robin where the same two people would always go together.
    """
    pool, people = _validated(facilities, sample_size, inspectors, per_facility)
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw needs a seeded generator; the seed is secret-random
    # One key per facility in id order: the draw depends on the seed and the inputs, never on their order.
    keyed = [(rng.random() ** (1.0 / weight), facility_id) for facility_id, weight in pool]
    keyed.sort(key=lambda pair: (-pair[0], pair[1]))
    chosen = [facility_id for _key, facility_id in keyed[: min(sample_size, len(keyed))]]

    load = dict.fromkeys(people, 0)
    result: Draw = []
    for facility_id in chosen:
        ranked = sorted(people, key=lambda person: (load[person], rng.random()))
        team = ranked[:per_facility]
        for person in team:
            load[person] += 1
        result.append((facility_id, tuple(sorted(team))))
    return result


def draw_weight(*, serious_finding_recently: bool, serious_finding_weight: int) -> int:
    """A facility with a serious finding in the last 12 months is drawn `serious_finding_weight` times as often."""
    return max(1, int(serious_finding_weight)) if serious_finding_recently else 1
