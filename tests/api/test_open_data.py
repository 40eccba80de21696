"""The bulk open-data export: all public data, nothing else, in a stable layout."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from townhall.api.export import CSV_COLUMNS
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals.models import Method
from townhall.proposals.votes import BallotInput, VoteDetails, cast_ballot, close_vote, create_vote


def _closed_vote(consultation, officer, voters):
    now = utcnow()
    vote = create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Which day?",
            method=Method.APPROVAL,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=1),
            stated_options=[("Saturday", None), ("Sunday", None), ("Monday", None)],
        ),
        now=now - timedelta(minutes=6),
    )
    ids = {o.label: str(o.id) for o in vote.options}
    for voter in voters:
        cast_ballot(vote, voter, BallotInput(approve=[ids["Sunday"]]))
    close_vote(vote)
    db.session.commit()
    return vote


def test_json_has_public_consultations_outcomes_and_results(
    client, create_consultation, create_user, officer
):
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    _closed_vote(consultation, officer, [create_user(), create_user()])
    published = create_consultation(status="outcome_published", author=officer, title="Bins")
    create_consultation(status="draft", title="Secret draft")
    create_consultation(status="open", audience="staff", title="Staff only")
    response = client.get("/api/v1/open-data/all.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["licence"]
    titles = {c["title"] for c in data["consultations"]}
    assert titles == {consultation.title, "Bins"}
    by_id = {c["id"]: c for c in data["consultations"]}
    assert by_id[published.id]["outcome"]["decision"] == "Open on Sundays."
    [vote] = by_id[consultation.id]["votes"]
    assert vote["winners"] == ["Sunday"] and vote["ballots_cast"] == 2
    text = response.get_data(as_text=True)
    for private in ("Citizen Person", "receipt", "@example.org", "voter_id"):
        assert private not in text


def test_csv_tables_have_their_documented_columns(
    client, create_consultation, create_user, officer
):
    consultation = create_consultation(status="outcome_published", author=officer, uses_voting=True)
    consultation.title = "=HYPERLINK(evil)"
    db.session.commit()
    for table, columns in CSV_COLUMNS.items():
        response = client.get(f"/api/v1/open-data/{table}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert tuple(rows[0]) == columns
    consultations = client.get("/api/v1/open-data/consultations.csv").get_data(as_text=True)
    assert "'=HYPERLINK(evil)" in consultations  # defused for spreadsheets
    outcomes = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/open-data/outcomes.csv").get_data(as_text=True)
    )))  # fmt: skip
    assert outcomes[0]["decision"] == "Open on Sundays."


def test_tallies_csv(client, create_consultation, create_user, officer):
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    vote = _closed_vote(consultation, officer, [create_user(), create_user(), create_user()])
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/open-data/tallies.csv").get_data(as_text=True)
    )))  # fmt: skip
    sunday = next(r for r in rows if r["option"] == "Sunday")
    assert sunday["vote_id"] == str(vote.id) and sunday["value"] == "3"
    assert sunday["winner"] == "True"


def test_unknown_table_is_a_problem(client):
    response = client.get("/api/v1/open-data/ballots.csv")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
