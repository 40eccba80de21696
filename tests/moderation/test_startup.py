"""The standards are checked when the app starts: a bad file stops start-up with the
loader's message; the suite's gentler standards stay in step with the default."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import settings_for_tests
from townhall import create_app
from townhall.moderation.service import STANDARDS_KEY
from townhall.moderation.standards import DEFAULT_STANDARDS, load_standards

SUITE_STANDARDS = Path(__file__).parent / "suite_standards.toml"
LEFT_OUT_OF_THE_SUITE = {"4.2", "4.3", "5.2", "6.3", "8.1"}


def test_a_council_file_is_loaded_at_start_up(database_url, tmp_path):
    own = tmp_path / "ours.toml"
    own.write_text(
        'title = "Our rules"\n[[clause]]\nnumber = "1"\ntitle = "Be kind"\naction = "review"\n'
    )
    settings = settings_for_tests(database_url, None, tmp_path)
    app = create_app({**settings, "TOWNHALL_STANDARDS": str(own)})
    assert app.extensions[STANDARDS_KEY].title == "Our rules"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[clause]]\nnumber = "2.1"\ntitle = "No spam"\naction = "reject"\n'
            '[[clause.check]]\ntype = "spam_detector"\n',
            "clause 2.1",
        ),
        (
            '[[clause]]\nnumber = "3.1"\ntitle = "No codes"\naction = "hold"\n'
            '[[clause.check]]\ntype = "patterns"\npatterns = ["(unclosed"]\n',
            "clause 3.1",
        ),
        ('[[clause]]\nnumber = "4.4"\ntitle = "No actions"\n', "clause 4.4: has no action"),
    ],
)
def test_a_bad_standards_file_stops_start_up_naming_the_clause(
    database_url, tmp_path, body, message
):
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    settings = settings_for_tests(database_url, None, tmp_path)
    with pytest.raises(SystemExit) as stopped:
        create_app({**settings, "TOWNHALL_STANDARDS": str(bad)})
    assert str(stopped.value).startswith("TOWNHALL_STANDARDS: ")
    assert message in str(stopped.value) and str(bad) in str(stopped.value)


def test_a_missing_standards_file_stops_start_up(database_url, tmp_path):
    settings = settings_for_tests(database_url, None, tmp_path)
    with pytest.raises(SystemExit, match="cannot read the standards file"):
        create_app({**settings, "TOWNHALL_STANDARDS": str(tmp_path / "nowhere.toml")})


def test_the_suites_standards_are_the_default_less_five_clauses():
    default, suite = load_standards(DEFAULT_STANDARDS), load_standards(SUITE_STANDARDS)
    assert suite.settings == default.settings
    expected = [c for c in default.clauses if c.number not in LEFT_OUT_OF_THE_SUITE]
    assert [c.number for c in suite.clauses] == [c.number for c in expected]
    for ours, theirs in zip(suite.clauses, expected, strict=True):
        # Checks are compiled objects; compare what they are by their class and options.
        assert replace(ours, checks=()) == replace(theirs, checks=())
        assert [type(c).__name__ for c in ours.checks] == [type(c).__name__ for c in theirs.checks]
