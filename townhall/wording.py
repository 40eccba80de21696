"""Words that change with a number: the one place plurals are chosen.

`ngettext(singular, plural, num, **variables)` has the signature and the
`%(num)d` placeholders of gettext's (and Flask-Babel's) `ngettext`, so that when
translations arrive this module is the one place to swap: import Babel's
`ngettext` here instead and every caller, Python or template (it is a Jinja
global), is translated. Until then it applies the English rule: singular for
exactly one, plural otherwise (0 items, 2 items).

Write the whole phrase in both forms, never a suffix glued on ("comment" + "s"),
since other languages change more than the noun:

    ngettext("%(num)d comment", "%(num)d comments", n)
    ngettext("%(num)d question was asked", "%(num)d questions were asked", n)
"""

from __future__ import annotations

from typing import Any


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for `num`, with `%(num)d` and `variables` filled in.

    `num` is always available to the format as `%(num)d` (or `%(num)s`); pass
    other values by name (`%(place)s`). As in gettext, a form with no
    placeholders is returned as written.
    """
    chosen = singular if num == 1 else plural
    variables.setdefault("num", num)  # as Flask-Babel does
    return chosen % variables if "%" in chosen else chosen
