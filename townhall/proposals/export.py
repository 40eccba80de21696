"""Open data per consultation: proposals, aggregate tallies and rounds, as JSON and CSV.

Only aggregates leave here: counts per option and the engine's rounds. No ballot,
voter or receipt is ever exported. Votes still open export no tallies.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.proposals.models import Proposal, Vote
from townhall.proposals.service import list_proposals, support_threshold
from townhall.proposals.votes import ballots_cast, current_result, vote_state, votes_for

CSV_TABLES = ("proposals", "tallies", "rounds")


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "body": p.body,
        "cost": p.cost,
        "location": p.location,
        # The API's shape: a point, or null when the proposal is pinned to none.
        "position": {"latitude": p.latitude, "longitude": p.longitude} if p.has_position else None,
        "status": p.status.value,
        "supports": p.support_count,
        "created_at": p.created_at.isoformat(),
        "shortlisted_at": p.shortlisted_at.isoformat() if p.shortlisted_at else None,
    }


def proposal_row(proposal: dict[str, Any]) -> dict[str, Any]:
    """A proposal's open data as one CSV row: its position as `latitude` and `longitude`
    columns (empty when it has none) in the position's place."""
    row: dict[str, Any] = {}
    for name, value in proposal.items():
        if name == "position":
            row["latitude"] = value["latitude"] if value else ""
            row["longitude"] = value["longitude"] if value else ""
        else:
            row[name] = value
    return row


def _vote(vote: Vote, now: Any) -> dict[str, Any]:
    state = vote_state(vote, now)
    result = current_result(vote, now) if state == "closed" else None
    labels = {o.key: o.label for o in vote.options}
    return {
        "id": vote.id,
        "title": vote.title,
        "method": vote.method.value,
        "seats": vote.seats,
        "budget": vote.budget,
        "opens_at": vote.opens_at.isoformat(),
        "closes_at": vote.closes_at.isoformat(),
        "state": state,
        "eligibility": vote.eligibility.value,
        "ballots_cast": ballots_cast(vote) if state == "closed" else None,
        "options": [
            {"key": o.key, "label": o.label, "proposal_id": o.proposal_id, "cost": o.cost}
            for o in vote.options
        ],
        "winners": [labels.get(k, k) for k in result["winners"]] if result else None,
        "result": result,
    }


def open_data(consultation: Consultation) -> dict[str, Any]:
    """The consultation's proposals and votes (results of closed votes) as JSON data."""
    now = utcnow()
    return {
        "consultation": {
            "id": consultation.id,
            "title": consultation.title,
            "status": consultation.status.value,
        },
        "support_threshold": support_threshold(consultation),
        "proposals": [_proposal(p) for p in list_proposals(consultation)],
        "votes": [_vote(v, now) for v in votes_for(consultation)],
        "generated_at": now.isoformat(),
    }


def _tally_rows(vote: dict[str, Any]) -> list[dict[str, Any]]:
    result = vote["result"]
    labels = {o["key"]: o["label"] for o in vote["options"]}
    totals: dict[str, Any] = {}
    measure = "votes"
    for name in ("approvals", "totals"):
        if name in result:
            totals, measure = result[name], name
            break
    else:
        rounds = result["rounds"]
        if rounds and "tally" in rounds[-1]:
            totals = rounds[-1]["tally"]
        elif rounds and "beats" in rounds[0]:
            totals, measure = rounds[0]["beats"], "pairwise_wins"
    return [
        {
            "vote_id": vote["id"],
            "method": vote["method"],
            "option": labels.get(key, key),
            "measure": measure,
            "value": value,
            "winner": key in result["winners"],
        }
        for key, value in totals.items()
    ]


def _round_rows(vote: dict[str, Any]) -> list[dict[str, Any]]:
    """Each round flattened: one row per (measure, option[, other option]) number."""
    labels = {o["key"]: o["label"] for o in vote["options"]}
    rows: list[dict[str, Any]] = []

    def add(number: Any, measure: str, option: str = "", other: str = "", value: Any = "") -> None:
        rows.append(
            {
                "vote_id": vote["id"],
                "round": number,
                "measure": measure,
                "option": labels.get(option, option),
                "other": labels.get(other, other),
                "value": value,
            }
        )

    for record in vote["result"]["rounds"]:
        n = record.get("round")
        for measure, value in record.items():
            if measure == "round":
                continue
            if isinstance(value, dict):
                for key, inner in value.items():
                    if isinstance(inner, dict):
                        for other, cell in inner.items():
                            add(n, measure, key, other, cell)
                    else:
                        add(n, measure, key, value=inner)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for transfer in value:  # transfers: from one option to others
                    for key, moved in transfer.get("to", {}).items():
                        add(n, "transfer", key, transfer.get("from", ""), moved)
                    if transfer.get("exhausted"):
                        add(n, "transfer_exhausted", "", transfer.get("from", ""),
                            transfer["exhausted"])  # fmt: skip
            elif isinstance(value, list):
                for position, key in enumerate(value, start=1):
                    add(n, measure, key, value=position)
            else:
                add(n, measure, value=value)
    return rows


def csv_table(consultation: Consultation, table: str) -> str:
    """One table of the open data as CSV text: proposals, tallies or rounds."""
    data = open_data(consultation)
    if table == "proposals":
        rows = [proposal_row(p) for p in data["proposals"]]
        fields = list(PROPOSAL_COLUMNS)
    else:
        closed = [v for v in data["votes"] if v["result"] is not None]
        rows = [
            row
            for v in closed
            for row in (_tally_rows(v) if table == "tallies" else _round_rows(v))
        ]
        fields = (
            ["vote_id", "method", "option", "measure", "value", "winner"]
            if table == "tallies"
            else ["vote_id", "round", "measure", "option", "other", "value"]
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    # Spreadsheets run cells that start with these as formulas: defuse them.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


#: The proposals table's columns, in order: new ones go at the end, so a reader that
#: counts columns keeps working.
PROPOSAL_COLUMNS: tuple[str, ...] = (
    "id", "title", "body", "cost", "location", "status", "supports", "created_at",
    "shortlisted_at", "latitude", "longitude",
)  # fmt: skip
