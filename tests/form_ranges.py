"""What the tests/<module>/test_form_ranges.py files check of a refused number: it comes
back beside its field, once, in the person's words, with everything they typed kept."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

#: How a field's error is shown beside it (templates/macros/forms.html).
FIELD_ERROR = (
    '<p class="error-message" id="{id}-error"><span class="visually-hidden">Error:</span> '
    "{message}</p>"
)
#: WTForms' own words, which a bounded field never shows.
LIBRARY_WORDS = (
    "Not a valid integer value",
    "Not a valid float value",
    "Not a valid decimal value",
    "could not coerce",
    "Not a valid choice",
    "is not a valid choice",
    "Number must be",
)


def assert_sent_back(response: Any, field_id: str, message: str, kept: tuple[str, ...] = ()) -> str:
    """The form came back (4xx) with `message` beside `field_id`, and each of `kept` (HTML
    as the page shows a value: `value="..."`, or a text area's words) still there."""
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, html[:2000])
    beside = FIELD_ERROR.format(id=field_id, message=escape(message))
    assert beside in html, f"no {message!r} beside {field_id}: {html[:4000]}"
    for words in LIBRARY_WORDS:
        assert words not in html, words
    for value in kept:
        assert value in html, f"{value!r} was not given back"
    return html
