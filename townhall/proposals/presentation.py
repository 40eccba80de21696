"""Turn a tally result into what the results page shows: winners, a bar chart with
its table, the round-by-round table (irv, stv), the pairwise matrix (schulze) and
funded projects against the budget (pb). Templates only lay these out.

The same view serves a running tally while a vote is open: there nothing has
been won yet, so options are "leading", and with no ballots nothing leads.
Each column is named for what it counts (contests won, total points, votes).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from townhall.proposals.models import Method, Vote
from townhall.wording import ngettext

BAR_AREA = 100.0  # bar lengths are percentages of the longest bar
LABEL_CHARACTERS = 26  # what fits in the chart's 220-unit label column, per line
LINE_HEIGHT = 16  # of a label's lines, in SVG units
ROW_HEIGHT = 34  # a bar's row with a one-line label


@dataclass
class Bar:
    """One bar of a chart, with the number it stands for."""

    label: str
    value: float
    shown: str
    percent: float
    highlight: bool = False
    lines: list[str] = field(default_factory=list)  # the label wrapped at word breaks
    top: float = 0.0  # where its row starts in the chart
    height: float = ROW_HEIGHT  # its row's height: taller when the label wraps


def support_progress(count: int, threshold: int) -> str:
    """A proposal's supports against the shortlist threshold, in words that hold
    when the count passes it ("9 supports (target 5 reached)", never "9 of 5")."""
    if count >= threshold:
        return ngettext(
            "%(num)d support (target %(target)d reached)",
            "%(num)d supports (target %(target)d reached)",
            count,
            target=threshold,
        )
    return ngettext(
        "%(count)d of %(num)d support needed",
        "%(count)d of %(num)d supports needed",
        threshold,
        count=count,
    )


def label_lines(label: str, width: int = LABEL_CHARACTERS) -> list[str]:
    """A chart label wrapped at spaces into lines of about `width` characters.

    Nothing is cut: a word longer than a line keeps a line to itself.
    """
    return textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False) or [""]


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
    """Everything the results page shows for one vote.

    `value_heading` names what the chart's numbers count; `outcome_heading` names
    the yes/no column ("Won", "Funded", or "Leading" while the vote is open).
    `explanations` are plain sentences on what the numbers mean (exhausted
    ballots, fractional votes, the quota). `running` is true for a count taken
    while the vote is open; `no_ballots` when nothing has been cast yet.
    """

    winners: list[str]
    chart_title: str
    bars: list[Bar]
    value_heading: str = "Votes"
    outcome_heading: str = "Won"
    explanations: list[str] = field(default_factory=list)
    running: bool = False
    no_ballots: bool = False
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
    bars, row_top = [], 4.0
    for key, value in ordered:
        label = labels.get(key, key)
        lines = label_lines(label)
        height = max(ROW_HEIGHT, LINE_HEIGHT * len(lines) + 14)
        bars.append(
            Bar(
                label=label,
                value=float(value),
                shown=number(value),
                percent=(float(value) / top * BAR_AREA) if top else 0.0,
                highlight=key in winners,
                lines=lines,
                top=row_top,
                height=height,
            )
        )
        row_top += height
    return bars


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
            # Titles are written by people: quote them, never add "'s" to them.
            parts.append(
                f"{kind.capitalize()} of “{labels.get(transfer['from'], transfer['from'])}” "
                "transferred: "
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


def _budget(
    result: dict[str, Any], vote: Vote, labels: dict[str, str], winners: list[str]
) -> Budget:
    budget, used = float(result["budget"]), float(result["budget_used"])
    approvals = result.get("approvals", {})
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


EXHAUSTED = (
    "A ballot is exhausted when every option it ranks has been excluded, so it no "
    "longer counts for anyone; the votes needed to win are counted from the "
    "ballots still in the count."
)
IRV_THRESHOLD = (
    "To win, an option needs more than half of the votes still in the count, so the "
    "votes needed fall as ballots are exhausted."
)
STV_QUOTA = (
    "The quota is the number of votes that makes sure of a seat: the ballots counted "
    "divided by one more than the number of seats, rounded down, plus one. It is "
    "worked out once from the first preferences and stays the same for the whole count."
)
STV_FRACTIONS = (
    "Votes can be fractions: when an elected option has more votes than the quota, "
    "the extra (its surplus) is passed on to the next preferences on all its "
    "ballots, each ballot carrying a share of a vote."
)
RUNNING_QUOTA = "While the vote is open the quota grows with the ballots cast."


def _explanations(method: Method, running: bool) -> list[str]:
    """The sentences that say what a method's numbers mean."""
    if method is Method.IRV:
        return [EXHAUSTED, IRV_THRESHOLD]
    if method is Method.STV:
        return [EXHAUSTED, STV_QUOTA + (" " + RUNNING_QUOTA if running else ""), STV_FRACTIONS]
    return []


def present(
    vote: Vote, result: dict[str, Any], *, running: bool = False, ballots: int | None = None
) -> ResultsView:
    """Build the results page's content from a vote and its tally result.

    `running` says the vote is still open: options lead rather than win. With no
    ballots (`ballots` == 0) nothing leads, and nothing is won either.
    """
    labels = {option.key: option.label for option in vote.options}
    method = vote.method
    no_ballots = ballots == 0
    # An empty count decides nothing: a budget vote's engine would otherwise "fund"
    # the projects that fit, though no one approved them.
    winners = [] if no_ballots else result["winners"]
    rounds: RoundsTable | None = None
    matrix: Matrix | None = None
    budget: Budget | None = None
    outcome = "Won"
    if method is Method.MAJORITY:
        values, title = result["rounds"][0]["tally"], "Votes for, against and abstaining"
        heading = "Votes"
    elif method in (Method.IRV, Method.STV):
        values, title = result["rounds"][-1]["tally"], "Votes in the final round"
        heading = "Votes in the final round"
        outcome = "Elected" if method is Method.STV else "Won"
        rounds = _rounds_table(result, labels)
    elif method is Method.SCHULZE:
        values = result["rounds"][0]["beats"]
        title = "Head-to-head contests each option won"
        heading = "Head-to-head contests won"
        matrix = _matrix(result, labels)
    elif method is Method.SCORE:
        values, title = result["totals"], "Total score: every voter's points added up"
        heading = "Total points"
    else:  # approval and both budgeting methods
        values, title = result["approvals"], "Approvals"
        heading = "Approvals"
        if method.is_budgeting:
            outcome = "Funded"
            budget = _budget(result, vote, labels, winners)
    if running:
        outcome = "Leading"
        if method is Method.IRV or method is Method.STV:
            title = "Votes in the latest round"
            heading = "Votes in the latest round"
    values = {k: v for k, v in values.items() if k in labels}
    return ResultsView(
        winners=[labels.get(k, k) for k in winners],
        chart_title=title,
        bars=_bars(values, labels, winners),
        value_heading=heading,
        outcome_heading=outcome,
        explanations=_explanations(method, running),
        running=running,
        no_ballots=no_ballots,
        rounds=rounds,
        matrix=matrix,
        budget=budget,
        ties=[_tie_text(t, labels) for t in result.get("ties", [])],
        passed=result.get("passed"),
        seed=result.get("seed"),
    )
