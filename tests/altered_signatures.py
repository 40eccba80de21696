"""Ways to alter a signed value that tests of every signed link share.

`respelled` is the subtle one: base64 leaves unused low bits in a signature's last
character, so flipping one spells the same signature bytes differently. itsdangerous
alone accepts it; our rule (townhall.signatures) must not.
"""

from __future__ import annotations

from itsdangerous.encoding import base64_decode

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def respelled(signed: str) -> str:
    """`signed` with its last character's lowest bit flipped: same bytes, other text."""
    other = signed[:-1] + _ALPHABET[_ALPHABET.index(signed[-1]) ^ 1]
    signature, other_signature = signed.rpartition(".")[2], other.rpartition(".")[2]
    # Only meaningful when that bit is unused (true of SHA-1 and SHA-256 signatures).
    assert base64_decode(signature) == base64_decode(other_signature)
    return other


def last_character_changed(signed: str) -> str:
    """`signed` with its last character changed in a bit that carries data."""
    return signed[:-1] + _ALPHABET[_ALPHABET.index(signed[-1]) ^ 0b100000]


def altered(signed: str) -> list[str]:
    """Altered spellings of `signed` that must all be refused."""
    return [respelled(signed), last_character_changed(signed)]
