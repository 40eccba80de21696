"""The Schulze method (beatpath): a Condorcet method over ranked ballots.

d[a][b] is the number of voters who rank a above b. A ranked candidate is preferred
to every unranked one; unranked candidates are tied with each other. p[a][b] is the
strength of the strongest path from a to b, where a path's strength is its weakest
link and a link a -> b exists when d[a][b] > d[b][a] (winning votes). a beats b when
p[a][b] > p[b][a]. Candidates are ranked by how many others they beat; a Condorcet
winner beats everyone directly and so always comes first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from townhall.voting.ballots import Election
from townhall.voting.irv import group_rankings
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


def pairwise_counts(
    groups: Mapping[tuple[str, ...], int], candidates: Sequence[str]
) -> list[list[int]]:
    """Return d, with d[i][j] the number of voters preferring candidates[i] to candidates[j].

    Counting pair by pair costs n^2 per ballot. Instead each row d[i] is held as one
    integer with a fixed-width field per candidate: for each ballot, walking its
    ranking from the end, the set of candidates ranked below the current one is kept
    as a packed integer and added (times the ballot's count) to the current
    candidate's row. That is one big-integer addition per ranked candidate, and
    grouping identical ballots first (the caller does) reduces the work further.
    """
    n = len(candidates)
    index = {name: i for i, name in enumerate(candidates)}
    total = sum(groups.values())
    width = max(total.bit_length(), 1) + 1  # a field can hold any count without carrying
    bit = [1 << (width * i) for i in range(n)]
    everyone = sum(bit)
    rows = [0] * n
    for ranking, count in groups.items():
        if not ranking:
            continue
        # Candidates below the current one: at first, those left unranked.
        below = everyone - sum(bit[index[name]] for name in ranking)
        for name in reversed(ranking):
            i = index[name]
            if below:
                rows[i] += below * count
            below += bit[i]
    mask = (1 << width) - 1
    return [[(rows[i] >> (width * j)) & mask for j in range(n)] for i in range(n)]


def strongest_paths(d: list[list[int]]) -> list[list[int]]:
    """Return p, the strongest-path strengths (a Floyd-Warshall widest-path pass)."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        pk = p[k]
        for i in range(n):
            if i == k:
                continue
            pik = p[i][k]
            if not pik:
                continue
            pi = p[i]
            for j in range(n):
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via
    return p


def tally_schulze(election: Election) -> Result:
    """Rank the candidates by Schulze; the first `seats` are the winners."""
    candidates = list(election.candidates)
    n = len(candidates)
    ties = TieBreaker(election.options["seed"], candidates)
    d = pairwise_counts(group_rankings(election.ballots), candidates)  # type: ignore[arg-type]
    p = strongest_paths(d)
    wins = {
        candidates[i]: sum(1 for j in range(n) if j != i and p[i][j] > p[j][i]) for i in range(n)
    }
    # Schulze's order is transitive, so counting beats ranks it; equal counts are ties.
    ranking = ties.rank(candidates, wins, history=[], step=1, purpose="ranking")
    winners = ranking[: election.seats]

    def matrix(m: list[list[int]]) -> dict[str, dict[str, int]]:
        return {
            candidates[i]: {candidates[j]: m[i][j] for j in range(n) if j != i} for i in range(n)
        }

    return Result(
        method="schulze",
        winners=winners,
        rounds=[
            {
                "round": 1,
                "pairwise": matrix(d),
                "strongest_paths": matrix(p),
                "beats": wins,
                "ranking": ranking,
            }
        ],
        ties=ties.log,
        details={
            "ranking": ranking,
            "condorcet_winner": next(
                (
                    candidates[i]
                    for i in range(n)
                    if all(d[i][j] > d[j][i] for j in range(n) if j != i)
                ),
                None,
            ),
        },
        seats=election.seats,
        seed=election.options["seed"],
    )
