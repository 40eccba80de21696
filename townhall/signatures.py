"""One rule for every signed value we hand out (check-in codes, confirmation links,
API cursors): only the exact text we issued is genuine.

itsdangerous checks the signature's bytes, and base64 leaves a few unused bits in the
last character of a signature. A value altered there decodes to the same bytes and
would still unsign, so altered links could pass one time in a few dozen. Checking that
the signature is written exactly as base64 writes it closes that gap.
"""

from __future__ import annotations

from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.exc import BadData


def written_as_issued(signed: str) -> bool:
    """True when the signature after the last '.' is in base64's one canonical form."""
    _, dot, signature = signed.rpartition(".")
    if not dot or not signature:
        return False
    try:
        return base64_encode(base64_decode(signature)).decode() == signature
    except (BadData, UnicodeError, ValueError):
        return False
