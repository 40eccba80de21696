"""What people type, as the app keeps it: one Unicode policy for forms, the API and sockets.

Text arrives from forms (`form_handling.accept`), from JSON bodies and socket events
(`json_input.loads`) and, for display names, from any path that sets one (the accounts
service). Each cleans it here, so a name or a post reads the same whichever way it came
and the channel standards judge what readers will see:

- NFKC: compatibility forms become their plain letters (fullwidth "COUNCIL", U+FF23...,
  is "COUNCIL"; the "fi" ligature U+FB01 is "fi"), so a look-alike spelling is the word
  it looks like.
- No bidirectional overrides, embeddings or isolates (U+202A-202E, U+2066-2069), nor the
  direction marks (U+200E, U+200F, U+061C): they reorder what is shown, so U+202E +
  "recifO licnuoC" reads "Council Officer" while the text says something else.
- No control characters (a bell, an escape, NUL, which PostgreSQL refuses in any text),
  except newline and tab in multi-line bodies. A single line (a name, a title, a search)
  has its line breaks and tabs turned into spaces.
- Line breaks are stored as LF: browsers send a textarea's lines as CRLF and API clients
  as LF, so the same text would otherwise be stored two ways, and count two characters
  per line break against a length limit that the browser counted as one.
- No zero-width characters that serve only to disguise (U+200B zero-width space, U+2060
  word joiner, U+FEFF byte-order mark): they split a word for the eye's benefit only.
- No lone surrogates (only JSON's "\\ud800" escapes make them): no database can store one.

Zero-width joiner and non-joiner (U+200D, U+200C) are kept: emoji sequences (family,
profession and flag emoji) are built with the joiner, and Persian, Arabic and Indic
scripts need both to spell words correctly. Tag characters (U+E0020-E007F) are kept too:
the flags of Wales and Scotland are made of them.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that reorder the text around them or mark its direction.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pops and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
)
#: Invisible characters with no job in typed text but to split a word unseen.
DISGUISING_ZERO_WIDTH = frozenset("\u200b\u2060\ufeff")

# Every control character (Cc) but newline and tab, plus the above, plus the surrogates.
_ALWAYS_DROPPED = "".join(
    sorted(
        {chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"}
        | BIDI_CONTROLS
        | DISGUISING_ZERO_WIDTH
    )
)
_DROPPED = re.compile(f"[{re.escape(_ALWAYS_DROPPED)}\ud800-\udfff]+")
# CRLF, a lone CR, and the Unicode line and paragraph separators all end a line.
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
_LINE_BREAK_OR_TAB = re.compile("[\n\t]")


def clean_body(text: str) -> str:
    """Return multi-line text (a post, a note) as kept: newlines and tabs stay, as LF."""
    text = _LINE_BREAK.sub("\n", text)
    text = _DROPPED.sub("", text)
    # After dropping: an invisible character between a letter and its accent would
    # otherwise keep the two from composing into the one letter they show as.
    return unicodedata.normalize("NFKC", text)


def clean_line(text: str) -> str:
    """Return single-line text (a name, a title, a search) as kept: breaks and tabs are spaces."""
    return _LINE_BREAK_OR_TAB.sub(" ", clean_body(text))


def without_nul(text: str) -> str:
    """Return `text` with its NUL characters taken out, and nothing else changed.

    For what must stay exactly as typed (a password: its hash was made from the
    characters typed at sign-up) but can never hold a NUL (PostgreSQL refuses one).
    """
    return text.replace("\x00", "")
