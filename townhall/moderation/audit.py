"""The audit log: every moderation decision, sanction, appeal and role change, appended
to a hash chain that `flask townhall audit verify` checks.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
canonical JSON, so an entry changed, removed or moved breaks the chain where it
happened. Entries are only ever inserted: the database refuses UPDATE and DELETE
(triggers from migration 0005), and nothing here offers either.

Removing the newest entries leaves a shorter chain that is still whole; `verify`
prints the head hash so a council can publish it, and `--head` checks a published
head is still in the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from townhall.accounts.models import RoleChange
from townhall.database import utcnow
from townhall.extensions import db
from townhall.moderation.models import AuditEntry

GENESIS = "0" * 64
# Any fixed number: the key of PostgreSQL's advisory lock that serialises appends.
_ADVISORY_KEY = 0x70776E68616C6C  # "townhall"-ish


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and real UTF-8: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    created_at: datetime,
    event_name: str,
    actor_id: int | None,
    subject: str,
    data: str,
) -> str:
    """The hash an entry with these fields must carry.

    The sequence number is left out on purpose: the chain itself fixes the order,
    so renumbered rows show up as reordered (intact, but after the wrong entry).
    """
    payload = canonical_json(
        {
            "at": created_at.isoformat(),
            "event": event_name,
            "actor": actor_id,
            "subject": subject,
            "data": data,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _lock_for_append(session: Session) -> None:
    """Make this transaction the only one appending until it ends.

    PostgreSQL: an advisory lock held to the end of the transaction. SQLite: an
    UPDATE that matches no row, which takes the database's write lock before the
    chain's tail is read (and fires no trigger, as no row is touched).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_entry SET seq = seq WHERE 0"))


def _tail(session: Session) -> tuple[int, str]:
    """The sequence number and hash of the newest entry, pending ones included."""
    pending = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if pending:
        newest = max(pending, key=lambda e: e.seq)
        return newest.seq, newest.hash
    with session.no_autoflush:
        row = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(
    event_name: str,
    subject: str,
    data: dict[str, Any],
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
    session: Session | None = None,
    flush: bool = True,
) -> AuditEntry:
    """Append one entry to the log in the current transaction; return it.

    `subject` names what the entry is about ("comment:12", "user:3"); `data` is
    any JSON-able detail. The entry is rolled back with the transaction, so a
    decision and its audit entry are written together or not at all.
    """
    session = session or db.session()
    now = now or utcnow()
    if not any(isinstance(obj, AuditEntry) for obj in session.new):
        _lock_for_append(session)
    seq, prev = _tail(session)
    body = canonical_json(data)
    entry = AuditEntry(
        seq=seq + 1,
        created_at=now,
        event=event_name,
        actor_id=actor_id,
        subject=subject,
        data=body,
        prev_hash=prev,
        hash=entry_hash(prev, now, event_name, actor_id, subject, body),
    )
    session.add(entry)
    if flush:
        session.flush()
    return entry


# --- role changes ---------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _audit_role_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Append an entry for every role change about to be written.

    Accounts sits below moderation and cannot call it, so moderation watches for
    `RoleChange` rows instead; the entry joins the same flush and transaction.
    """
    changes = [obj for obj in session.new if isinstance(obj, RoleChange)]
    for change in changes:
        append(
            "role_change",
            f"user:{change.user.id if change.user else change.user_id}",
            {
                "old_role": change.old_role.value,
                "new_role": change.new_role.value,
            },
            actor_id=change.changed_by.id if change.changed_by else change.changed_by_id,
            now=change.changed_at or utcnow(),
            session=session,
            flush=False,
        )


# --- verifying ------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first place the chain breaks."""

    position: int
    """1-based position in the log as it now stands."""
    seq: int
    """The sequence number the entry there carries."""
    kind: str
    """changed, removed or reordered."""
    message: str


@dataclass(frozen=True)
class Verification:
    """What `verify` found."""

    count: int
    head: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session | None = None, head: str | None = None) -> Verification:
    """Walk the log oldest first and report the first entry changed, removed or moved.

    An entry is *changed* when its fields no longer give its hash; *reordered* when
    it is intact but does not follow the entry it was chained to, which is still in
    the log elsewhere; and an entry before it was *removed* when it is intact but the
    entry it was chained to is gone. `head`, a hash published earlier, must still be in the chain.
    """
    session = session or db.session()
    seq_by_hash = {h: s for h, s in session.execute(select(AuditEntry.hash, AuditEntry.seq))}
    expected_prev = GENESIS
    count = 0
    problem: Problem | None = None
    for position, entry in enumerate(_entries(session), start=1):
        count = position
        if problem is not None:
            continue
        fields = (entry.created_at, entry.event, entry.actor_id, entry.subject, entry.data)
        if entry_hash(entry.prev_hash, *fields) != entry.hash:
            problem = Problem(
                position,
                entry.seq,
                "changed",
                f"entry {position} (#{entry.seq}) was changed: its contents no longer give "
                "its hash",
            )
        elif entry.prev_hash != expected_prev:
            chained_to = seq_by_hash.get(entry.prev_hash)
            if chained_to is not None:
                problem = Problem(
                    position,
                    entry.seq,
                    "reordered",
                    f"entry {position} (#{entry.seq}) is out of order: it was written after "
                    f"the entry now at #{chained_to}",
                )
            else:
                problem = Problem(
                    position,
                    entry.seq,
                    "removed",
                    f"an entry before entry {position} (#{entry.seq}) was removed: the entry "
                    "it was chained to is missing",
                )
        expected_prev = entry.hash
    if problem is None and head is not None and head not in seq_by_hash:
        problem = Problem(
            count + 1,
            0,
            "removed",
            f"the published head {head[:12]}… is no longer in the log: entries were removed",
        )
    return Verification(count, expected_prev, problem)
