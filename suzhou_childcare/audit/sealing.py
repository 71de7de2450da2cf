"""Sealing the audit trail: a hash chain over the committed entries (审计日志封存), and its verification.

Each seal links one entry: `hash = sha256(prev_hash + canonical JSON of the entry)`, the first seal starting from
`GENESIS_HASH`. Changing, removing or re-ordering a sealed entry (or a seal) breaks every hash after it, which
`verify_audit` reports.

Commit order, not id order. An entry's id is taken when it is inserted, but it becomes visible only when its
transaction commits; a long transaction can commit entry 5 after entry 6 was already sealed. A run seals what is
committed and unsealed, by id; entry 5 is then simply sealed by the next run, at a later position. The chain's
order is the seal position. Nothing is ever inserted before an existing seal, so the chain never forks.

Runs take a lock (a PostgreSQL advisory transaction lock) so two workers never extend the chain at once; on
other databases the unique position and entry columns refuse a fork and the losing run rolls back.

Scaling. Work goes in batches of `BATCH_SIZE` entries, one transaction each, so a large backlog commits as it
goes. A run looks for unsealed entries above the last sealed id (index range) and, for late commits, among those
created in the last `LATE_COMMIT_WINDOW` (the created_at index): no transaction in this portal stays open that
long (request and task time limits are minutes). `audit_seal(full=True)` scans the whole table instead; the
`verify_audit` count of entries "not sealed yet" is always over the whole table, so nothing goes unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry, AuditSeal, AuditVerification

BATCH_SIZE = 5000
LATE_COMMIT_WINDOW = timedelta(days=1)
# A fixed key of this lock in PostgreSQL's advisory-lock space (crc32 of the name: stable across processes).
_LOCK_KEY = zlib.crc32(b"suzhou_childcare.audit.seal")


def _content_type_label(content_type_id: int) -> str:
    content_type = ContentType.objects.get_for_id(content_type_id)  # cached per process
    return f"{content_type.app_label}.{content_type.model}"


def entry_content(entry: AuditEntry) -> str:
    """The canonical JSON of what an entry says: sorted keys, no spaces, UTF-8 text as is."""
    content = {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "content_type": _content_type_label(entry.content_type_id),
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "request_id": entry.request_id,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + entry_content(entry)).encode()).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _seal_batch(*, batch_size: int, full: bool) -> int:
    """One transaction: append a seal to each of up to `batch_size` committed, unsealed entries."""
    with transaction.atomic():
        _lock()
        # Read after taking the lock: the head is the one the previous holder committed.
        head = AuditSeal.objects.order_by("-position").values("position", "hash").first()
        unsealed = AuditEntry.objects.filter(seal__isnull=True)
        if head and not full:
            # The highest sealed id, not the head's: the head may be a late entry with a low id.
            highest = AuditSeal.objects.aggregate(highest=Max("entry_id"))["highest"]
            unsealed = unsealed.filter(Q(id__gt=highest) | Q(created_at__gte=timezone.now() - LATE_COMMIT_WINDOW))
        entries = list(unsealed.order_by("id")[:batch_size])
        if not entries:
            return 0
        position, prev_hash = (head["position"], head["hash"]) if head else (0, GENESIS_HASH)
        now = timezone.now()
        seals = []
        for entry in entries:
            position += 1
            digest = chain_hash(prev_hash, entry)
            seals.append(AuditSeal(position=position, entry=entry, prev_hash=prev_hash, hash=digest, sealed_at=now))
            prev_hash = digest
        AuditSeal.objects.bulk_create(seals)
        return len(seals)


def audit_seal(*, batch_size: int = BATCH_SIZE, full: bool = False) -> int:
    """Seal every committed entry that has no seal yet; returns how many were sealed (0 when none).

    Idempotent: a second run right after the first seals nothing.
    """
    total = 0
    while True:
        sealed = _seal_batch(batch_size=batch_size, full=full)
        total += sealed
        if sealed < batch_size:
            return total


# --- verification ----------------------------------------------------------------------------------------------


class Problem:
    POSITION_GAP = "position gap"
    PREV_HASH_MISMATCH = "prev_hash mismatch"
    ENTRY_MISSING = "entry missing"
    CONTENT_CHANGED = "content changed"


@dataclass(frozen=True)
class Break:
    position: int
    entry_id: int | None
    problem: str
    detail: str

    def __str__(self) -> str:
        return f"position {self.position} (entry {self.entry_id}): {self.problem}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    verified: int
    unsealed: int
    head_position: int
    head_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _seals_in_order(chunk_size: int) -> Iterator[list[dict]]:
    """Seals in position order, one chunk at a time (keyset pagination: constant memory, no OFFSET)."""
    after = 0
    while True:
        chunk = list(
            AuditSeal.objects.filter(position__gt=after)
            .order_by("position")
            .values("position", "entry_id", "prev_hash", "hash")[:chunk_size]
        )
        if not chunk:
            return
        yield chunk
        after = chunk[-1]["position"]


def audit_verify(*, chunk_size: int = 2000) -> Verification:
    """Walk the chain in position order recomputing each hash; stop at the first broken link."""
    expected_position, prev_hash, verified = 1, GENESIS_HASH, 0
    broken: Break | None = None
    for chunk in _seals_in_order(chunk_size):
        # Entries are fetched by id, not joined: a seal whose entry is gone must still be seen (and reported).
        entries = AuditEntry.objects.in_bulk([seal["entry_id"] for seal in chunk])
        for seal in chunk:
            position, entry_id = seal["position"], seal["entry_id"]
            entry = entries.get(entry_id)
            if position != expected_position:
                broken = Break(
                    expected_position,
                    entry_id,
                    Problem.POSITION_GAP,
                    f"seal {expected_position} is missing, the next one is {position}",
                )
            elif seal["prev_hash"] != prev_hash:
                broken = Break(
                    position,
                    entry_id,
                    Problem.PREV_HASH_MISMATCH,
                    f"the seal says {seal['prev_hash'][:16]}…, the previous seal's hash is {prev_hash[:16]}…",
                )
            elif entry is None:
                broken = Break(position, entry_id, Problem.ENTRY_MISSING, "the sealed entry is no longer there")
            elif chain_hash(prev_hash, entry) != seal["hash"]:
                broken = Break(
                    position, entry_id, Problem.CONTENT_CHANGED, "the entry no longer matches the hash sealed for it"
                )
            if broken:
                break
            verified += 1
            expected_position, prev_hash = position + 1, seal["hash"]
        if broken:
            break
    return Verification(
        verified=verified,
        unsealed=AuditEntry.objects.filter(seal__isnull=True).count(),
        head_position=expected_position - 1,
        head_hash=prev_hash,
        broken=broken,
    )


def verification_record(result: Verification) -> AuditVerification:
    """Keep the outcome for the chain status page."""
    return AuditVerification.objects.create(
        ok=result.ok,
        verified=result.verified,
        unsealed=result.unsealed,
        broken_position=result.broken.position if result.broken else None,
        problem=str(result.broken)[:500] if result.broken else "",
    )
