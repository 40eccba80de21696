"""The one rule for signed values: only the exact text we issued is genuine."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import Signer, URLSafeSerializer, URLSafeTimedSerializer

from tests.altered_signatures import respelled
from townhall.signatures import written_as_issued

SIGNED = [
    Signer("secret", salt="s").sign("12").decode(),
    Signer("secret", salt="s", digest_method=hashlib.sha256).sign("12").decode(),
    URLSafeSerializer("secret", salt="s").dumps({"p": 2}),
    URLSafeTimedSerializer("secret", salt="s").dumps({"user": 1, "email": "a@example.org"}),
]
# Named, not shown: the timed token changes every second, and pytest-xdist's
# workers must collect the same test ids.
SIGNED_IDS = ["sha1-signer", "sha256-signer", "serializer", "timed-serializer"]


@pytest.mark.parametrize("signed", SIGNED, ids=SIGNED_IDS)
def test_what_we_issue_is_written_as_issued(signed):
    assert written_as_issued(signed)


@pytest.mark.parametrize("signed", SIGNED, ids=SIGNED_IDS)
def test_the_same_signature_spelled_otherwise_is_not(signed):
    assert not written_as_issued(respelled(signed))


def test_itsdangerous_alone_accepts_a_respelled_signature():
    # The gap the rule closes: the same bytes, spelled otherwise, still validate.
    signer = Signer("secret", salt="s")
    assert signer.validate(respelled(signer.sign("12").decode()))


@pytest.mark.parametrize("text", ["", "no-dot", "12.", ".", "12.!!!", "12.é", "12.a"])
def test_junk_is_not(text):
    assert not written_as_issued(text)
