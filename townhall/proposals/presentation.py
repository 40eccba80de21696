"""Turn a tally result into what the results page shows: winners, a bar chart with
its table, the round-by-round table (irv, stv), the pairwise matrix (schulze) and
funded projects against the budget (pb). Templates only lay these out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from townhall.proposals.models import Method, Vote

BAR_AREA = 100.0  # bar lengths are percentages of the longest bar


@dataclass
class Bar:
    """One bar of a chart, with the number it stands for."""

    label: str
    value: float
    shown: str
    percent: float
    highlight: bool = False


@dataclass
class RoundsTable:
    """Rounds as columns, options as rows; a cell is blank once an option is out."""

    rounds: list[int]
    rows: list[tuple[str, list[str]]]
    notes: list[str]
    exhausted: list[str]
    threshold: list[str]


@dataclass
class Matrix:
    """Pairwise preferences: cell [row][column] = voters preferring row to column."""

    labels: list[str]
    cells: list[list[str]]
    strongest: list[list[str]]


@dataclass
class Budget:
    """Funded projects against the budget."""

    budget: float
    used: float
    percent_used: float
    projects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ResultsView:
    """Everything the results page shows for one vote."""

    winners: list[str]
    chart_title: str
    bars: list[Bar]
    rounds: RoundsTable | None = None
    matrix: Matrix | None = None
    budget: Budget | None = None
    ties: list[str] = field(default_factory=list)
    passed: bool | None = None
    seed: Any = 0


def number(value: float | int | None) -> str:
    """A count as people read it: whole numbers plain, fractions to 2 places."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _bars(values: dict[str, float], labels: dict[str, str], winners: list[str]) -> list[Bar]:
    top = max([float(v) for v in values.values()] + [0.0])
    ordered = sorted(values.items(), key=lambda kv: -float(kv[1]))
    return [
        Bar(
            label=labels.get(key, key),
            value=float(value),
            shown=number(value),
            percent=(float(value) / top * BAR_AREA) if top else 0.0,
            highlight=key in winners,
        )
        for key, value in ordered
    ]


def _rounds_table(result: dict[str, Any], labels: dict[str, str]) -> RoundsTable:
    rounds = result["rounds"]
    keys = list(labels)
    rows = [
        (labels[key], [number(r["tally"][key]) if key in r["tally"] else "" for r in rounds])
        for key in keys
    ]
    notes = []
    for r in rounds:
        parts = []
        if r.get("elected"):
            parts.append("Elected: " + ", ".join(labels.get(k, k) for k in r["elected"]))
        if r.get("eliminated"):
            parts.append("Excluded: " + ", ".join(labels.get(k, k) for k in r["eliminated"]))
        for transfer in r.get("transfers", []):
            moved = ", ".join(
                f"{number(v)} to {labels.get(k, k)}" for k, v in transfer.get("to", {}).items()
            )
            kind = "surplus" if transfer.get("kind") == "surplus" else "votes"
            parts.append(
                f"{labels.get(transfer['from'], transfer['from'])}'s {kind} transferred: "
                + (moved or "none to continuing options")
                + (
                    f"; {number(transfer['exhausted'])} exhausted"
                    if transfer.get("exhausted")
                    else ""
                )
            )
        notes.append(". ".join(parts))
    return RoundsTable(
        rounds=[r["round"] for r in rounds],
        rows=rows,
        notes=notes,
        exhausted=[number(r.get("exhausted", 0)) for r in rounds],
        threshold=[number(r.get("threshold")) for r in rounds],
    )


def _matrix(result: dict[str, Any], labels: dict[str, str]) -> Matrix:
    first = result["rounds"][0]
    keys = list(labels)
    pairwise, strongest = first["pairwise"], first["strongest_paths"]

    def grid(source: dict[str, dict[str, Any]]) -> list[list[str]]:
        return [[("—" if a == b else number(source[a][b])) for b in keys] for a in keys]

    return Matrix(labels=[labels[k] for k in keys], cells=grid(pairwise), strongest=grid(strongest))


def _budget(result: dict[str, Any], vote: Vote, labels: dict[str, str]) -> Budget:
    budget, used = float(result["budget"]), float(result["budget_used"])
    approvals = result.get("approvals", {})
    winners = result["winners"]
    costs = {option.key: option.cost or 0 for option in vote.options}
    order = winners + sorted(
        (k for k in labels if k not in winners), key=lambda k: -approvals.get(k, 0)
    )
    return Budget(
        budget=budget,
        used=used,
        percent_used=(used / budget * BAR_AREA) if budget else 0.0,
        projects=[
            {
                "label": labels[k],
                "cost": number(costs.get(k, 0)),
                "approvals": number(approvals.get(k, 0)),
                "funded": k in winners,
            }
            for k in order
        ],
    )


def _tie_text(tie: dict[str, Any], labels: dict[str, str]) -> str:
    tied = ", ".join(labels.get(k, k) for k in tie.get("tied", []))
    chosen = tie.get("chosen")
    how = "by lot (the vote's stated seed)" if tie.get("rule") == "lot" else "by earlier counts"
    where = f"round {tie['round']}: " if "round" in tie else ""
    return f"{where}{tied} tied for {tie.get('purpose', 'a place')}; decided {how}" + (
        f", choosing {labels.get(chosen, chosen)}." if chosen else "."
    )


def present(vote: Vote, result: dict[str, Any]) -> ResultsView:
    """Build the results page's content from a vote and its tally result."""
    labels = {option.key: option.label for option in vote.options}
    winners = result["winners"]
    method = vote.method
    rounds: RoundsTable | None = None
    matrix: Matrix | None = None
    budget: Budget | None = None
    if method is Method.MAJORITY:
        values, title = result["rounds"][0]["tally"], "Votes for, against and abstaining"
    elif method in (Method.IRV, Method.STV):
        values, title = result["rounds"][-1]["tally"], "Votes in the final round"
        rounds = _rounds_table(result, labels)
    elif method is Method.SCHULZE:
        values = result["rounds"][0]["beats"]
        title = "Head-to-head contests each option won"
        matrix = _matrix(result, labels)
    elif method is Method.SCORE:
        values, title = result["totals"], "Total score"
    else:  # approval and both budgeting methods
        values, title = result["approvals"], "Approvals"
        if method.is_budgeting:
            budget = _budget(result, vote, labels)
    values = {k: v for k, v in values.items() if k in labels}
    return ResultsView(
        winners=[labels.get(k, k) for k in winners],
        chart_title=title,
        bars=_bars(values, labels, winners),
        rounds=rounds,
        matrix=matrix,
        budget=budget,
        ties=[_tie_text(t, labels) for t in result.get("ties", [])],
        passed=result.get("passed"),
        seed=result.get("seed"),
    )
