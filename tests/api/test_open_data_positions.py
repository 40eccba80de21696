"""A proposal's position in the open data: the API's shape in JSON, two columns in CSV.

Both the bulk export (/api/v1/open-data) and a consultation's own open data
(/consultations/<id>/open-data) carry it, empty when a proposal is on no map.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from townhall.extensions import db
from townhall.proposals import service
from townhall.proposals.export import PROPOSAL_COLUMNS

RIVERSIDE = (51.752021, -1.257726)


@pytest.fixture
def consultation(create_consultation, officer):
    return create_consultation(author=officer, uses_proposals=True)


@pytest.fixture
def proposals(consultation, create_user) -> dict[str, Any]:
    """One proposal pinned to a point and one pinned to none."""
    pinned = service.submit_proposal(
        consultation,
        create_user(display_name="Pia Pinned"),
        service.ProposalDetails(
            title="Benches by the river",
            body="Three benches facing the water.",
            latitude=RIVERSIDE[0],
            longitude=RIVERSIDE[1],
        ),
    )
    anywhere = service.submit_proposal(
        consultation,
        create_user(display_name="Una Unpinned"),
        service.ProposalDetails(title="Longer opening hours", body="Open until eight."),
    )
    db.session.commit()
    return {"pinned": pinned.id, "anywhere": anywhere.id}


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_bulk_json_gives_the_position_as_the_api_does(client, consultation, proposals):
    data = client.get("/api/v1/open-data/all.json").get_json()
    [exported] = [c for c in data["consultations"] if c["id"] == consultation.id]
    by_id = {p["id"]: p for p in exported["proposals"]}
    api = client.get(f"/api/v1/consultations/{consultation.id}/proposals").get_json()
    from_api = {p["id"]: p for p in api["items"]}
    assert by_id[proposals["pinned"]]["position"] == {
        "latitude": RIVERSIDE[0],
        "longitude": RIVERSIDE[1],
    }
    assert by_id[proposals["anywhere"]]["position"] is None
    for proposal_id in proposals.values():
        assert by_id[proposal_id]["position"] == from_api[proposal_id]["position"]


def test_a_consultations_open_data_json_gives_the_position(client, consultation, proposals):
    data = client.get(f"/consultations/{consultation.id}/open-data.json").get_json()
    by_id = {p["id"]: p for p in data["proposals"]}
    assert by_id[proposals["pinned"]]["position"] == {
        "latitude": RIVERSIDE[0],
        "longitude": RIVERSIDE[1],
    }
    assert by_id[proposals["anywhere"]]["position"] is None


def test_the_proposals_csv_tables_give_latitude_and_longitude(client, consultation, proposals):
    bulk = rows_of(client.get("/api/v1/open-data/proposals.csv"))
    own = rows_of(client.get(f"/consultations/{consultation.id}/open-data/proposals.csv"))
    assert list(own[0]) == list(PROPOSAL_COLUMNS)
    assert list(bulk[0]) == ["consultation_id", *PROPOSAL_COLUMNS]
    for rows in (bulk, own):
        by_id = {int(r["id"]): r for r in rows}
        pinned, anywhere = by_id[proposals["pinned"]], by_id[proposals["anywhere"]]
        assert (float(pinned["latitude"]), float(pinned["longitude"])) == RIVERSIDE
        assert (anywhere["latitude"], anywhere["longitude"]) == ("", "")
        assert "{" not in pinned["latitude"] + pinned["longitude"]
    assert {r["consultation_id"] for r in bulk} == {str(consultation.id)}


def test_a_consultation_without_proposals_still_has_the_columns(client, create_consultation):
    empty = create_consultation(title="Bins", uses_proposals=True)
    text = client.get(f"/consultations/{empty.id}/open-data/proposals.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text))) == list(PROPOSAL_COLUMNS)


def test_the_document_and_guide_describe_the_position(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["paths"]["/api/v1/open-data/all.json"]["get"]["responses"]["200"]
    consultation = schema["content"]["application/json"]["schema"]["properties"]["consultations"]
    proposal = consultation["items"]["properties"]["proposals"]["items"]
    assert proposal["properties"]["position"]["anyOf"] == [
        {"$ref": "#/components/schemas/Position"},
        {"type": "null"},
    ]
    assert "Position" in document["components"]["schemas"]
    guide = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/open-data/proposals.csv" in guide
    assert "latitude, longitude" in guide
