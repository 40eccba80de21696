"""The bulk open-data export of all public data, as JSON and CSV."""

from __future__ import annotations

from flask import Response, json

from townhall.api import export
from townhall.api.core import api_blueprint
from townhall.api.problems import ApiProblem
from townhall.extensions import db

blp = api_blueprint("open_data", "All public data in bulk: consultations, outcomes, results.")

# A proposal as the open data gives it; the rest of the layout is on the docs page.
OPEN_DATA_PROPOSAL = {
    "type": "object",
    "required": ["id", "title", "status", "position"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {"type": "string"},
        "position": {
            "description": "The point the proposal is pinned to, as in the API, or null",
            "anyOf": [{"$ref": "#/components/schemas/Position"}, {"type": "null"}],
        },
    },
}

OPEN_DATA_JSON = {
    "type": "object",
    "required": ["generated_at", "licence", "consultations"],
    "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "licence": {"type": "string"},
        "consultations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "proposals": {"type": "array", "items": OPEN_DATA_PROPOSAL},
                },
            },
        },
    },
}


@blp.route("/open-data/all.json")
@blp.doc(
    responses={
        "200": {
            "description": "Every public consultation with its outcome and aggregate results",
            "content": {"application/json": {"schema": OPEN_DATA_JSON}},
        }
    }
)
def bulk_json():
    """Export all public data as one JSON document (layout on the docs page)."""
    data = export.bulk_json()
    db.session.commit()  # results of votes whose time passed were frozen
    return Response(
        json.dumps(data, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'inline; filename="townhall-open-data.json"'},
    )


@blp.route("/open-data/<string:table>.csv")
@blp.doc(
    parameters=[
        {
            "in": "path",
            "name": "table",
            "required": True,
            "schema": {"type": "string", "enum": sorted(export.CSV_COLUMNS)},
        }
    ],
    responses={
        "200": {
            "description": "One table of the public data as CSV with a header row",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def bulk_csv(table: str):
    """Export one table of the public data (consultations, outcomes, tallies) as CSV."""
    if table not in export.CSV_COLUMNS:
        raise ApiProblem(
            404, f"There is no table {table!r}: choose {', '.join(sorted(export.CSV_COLUMNS))}."
        )
    text = export.bulk_csv(table)
    db.session.commit()
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="townhall-{table}.csv"'},
    )
