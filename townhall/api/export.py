"""The bulk open-data export: every public consultation, its outcome and aggregate results.

"Public" means what an anonymous visitor can see: audience public, status open or
later. Only aggregates leave (counts per option, the engine's rounds); never a
ballot, a voter, a receipt or a person's name. The layout is stable and described
on the API documentation page; fields are only ever added, never renamed.

JSON: `{"generated_at", "licence", "consultations": [...]}` where each consultation
carries its fields, `outcome` (or null) and `proposals`/`votes` as in the
per-consultation open data (a proposal's `position` is the API's: `{"latitude",
"longitude"}` or null). CSV: one table per file, `consultations`, `outcomes`,
`proposals` or `tallies`, with the columns listed in `CSV_COLUMNS` (a position as
`latitude` and `longitude`, empty when there is none).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from townhall.consultations.models import PUBLISHED_STATUSES, Audience, Consultation
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals.export import PROPOSAL_COLUMNS, open_data, proposal_row
from townhall.proposals.export import _cell as defuse_cell
from townhall.proposals.export import _tally_rows as tally_rows

LICENCE = "Open Government Licence v3.0"

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "consultations": (
        "id", "title", "summary", "status", "process_area", "service_area",
        "opens_at", "closes_at", "phases", "url_path",
    ),
    "outcomes": (
        "consultation_id", "you_said", "decision", "reasons", "next_steps", "published_at",
    ),
    "proposals": ("consultation_id", *PROPOSAL_COLUMNS),
    "tallies": (
        "consultation_id", "vote_id", "vote_title", "method", "option", "measure", "value",
        "winner",
    ),
}  # fmt: skip


def public_consultations() -> list[Consultation]:
    """Every consultation an anonymous visitor may see, oldest first."""
    return list(
        db.session.scalars(
            select(Consultation)
            .where(
                Consultation.audience == Audience.PUBLIC,
                Consultation.status.in_(PUBLISHED_STATUSES),
            )
            .order_by(Consultation.id)
        )
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _consultation(c: Consultation) -> dict[str, Any]:
    outcome = c.outcome
    extra = open_data(c) if (c.uses_proposals or c.uses_voting) else None
    return {
        "id": c.id,
        "title": c.title,
        "summary": c.summary,
        "body": c.body,
        "status": c.status.value,
        "process_area": c.process_area.name,
        "service_area": c.service_area.name,
        "opens_at": _iso(c.opens_at),
        "closes_at": _iso(c.closes_at),
        "phases": [p.value for p in c.phases],
        "url_path": f"/consultations/{c.id}",
        "outcome": {
            "you_said": outcome.you_said,
            "decision": outcome.decision,
            "reasons": outcome.reasons,
            "next_steps": outcome.next_steps,
            "published_at": _iso(outcome.published_at),
        }
        if outcome is not None
        else None,
        "proposals": extra["proposals"] if extra else [],
        "votes": extra["votes"] if extra else [],
    }


def bulk_json() -> dict[str, Any]:
    """All public data as one JSON document."""
    return {
        "generated_at": utcnow().isoformat(),
        "licence": LICENCE,
        "consultations": [_consultation(c) for c in public_consultations()],
    }


def _tally_rows(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The consultation's closed votes' totals, as the per-consultation open data counts them."""
    return [
        {"consultation_id": c["id"], "vote_title": vote["title"], **row}
        for vote in c["votes"]
        if vote.get("result")  # open votes export no tallies before they close
        for row in tally_rows(vote)
    ]


def bulk_csv(table: str) -> str:
    """One table of the public data as CSV text."""
    data = bulk_json()["consultations"]
    rows: list[dict[str, Any]] = []
    if table == "consultations":
        rows = [{**c, "phases": " ".join(c["phases"])} for c in data]
    elif table == "outcomes":
        rows = [{"consultation_id": c["id"], **c["outcome"]} for c in data if c["outcome"]]
    elif table == "proposals":
        rows = [
            {"consultation_id": c["id"], **proposal_row(p)} for c in data for p in c["proposals"]
        ]
    elif table == "tallies":
        rows = [row for c in data for row in _tally_rows(c)]
    else:
        raise KeyError(table)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS[table], extrasaction="ignore")
    writer.writeheader()
    # Spreadsheets run cells starting with = + - @ as formulas: defused as the pages do.
    writer.writerows({k: defuse_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()
