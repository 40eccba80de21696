"""/.well-known/security.txt: the council's vulnerability contact (RFC 9116)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_no_contact_configured_publishes_nothing(client):
    assert client.get("/.well-known/security.txt").status_code == 404


def test_the_configured_contact_is_published_with_an_expiry_under_a_year(app, client):
    app.config["TOWNHALL_SECURITY_CONTACT"] = "mailto:security@council.example"
    app.config["TOWNHALL_BASE_URL"] = "https://townhall.council.example/"

    response = client.get("/.well-known/security.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@council.example"
    assert fields["Canonical"] == "https://townhall.council.example/.well-known/security.txt"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    assert now + timedelta(days=30) < expires < now + timedelta(days=365)
