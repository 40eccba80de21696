"""The standards file: the shipped default loads, and every mistake is named plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.moderation.standards import (
    DEFAULT_STANDARDS,
    Action,
    StandardsError,
    load_default_standards,
    load_standards,
    parse_standards,
)

CLAUSE = """
[[clause]]
number = "3.2"
title = "Do not post anyone's personal details"
action = "redact"
  [[clause.check]]
  type = "personal_data"
"""


def test_default_standards_load() -> None:
    standards = load_default_standards()
    numbers = [c.number for c in standards.clauses]
    assert numbers[:3] == ["1.1", "1.2", "1.3"]
    assert "3.2" in numbers
    assert standards.clause("3.2").title == "Do not post anyone's personal details"
    assert standards.clause("3.2").action is Action.REDACT
    assert standards.settings.kinds == ("comment", "proposal", "announcement", "display_name")
    assert standards.settings.flag_threshold == 3
    assert standards.settings.new_account_hold == 3
    assert standards.source == str(DEFAULT_STANDARDS)
    assert standards.title == "Townhall channel standards (default)"


def test_default_standards_cover_the_house_rules() -> None:
    titles = " ".join(c.title.lower() for c in load_default_standards().clauses)
    for words in [
        "abuse",
        "threaten",
        "discriminates",
        "personal details",
        "spam",
        "same thing again",
        "topic",
        "pretend to be someone else",
        "legal proceedings",
        "pre-election period",
        "flag",
    ]:
        assert words in titles, words


def test_a_minimal_file(tmp_path: Path) -> None:
    path = tmp_path / "standards.toml"
    path.write_text(CLAUSE, encoding="utf-8")
    standards = load_standards(path)
    assert [c.number for c in standards.clauses] == ["3.2"]
    assert standards.clause("3.2").kinds is None
    with pytest.raises(KeyError):
        standards.clause("9.9")


def test_a_clause_without_checks_is_for_moderators() -> None:
    standards = parse_standards('[[clause]]\nnumber = "7.2"\ntitle = "No libel"\naction = "hold"')
    assert standards.clause("7.2").checks == ()


def _error(text: str) -> str:
    with pytest.raises(StandardsError) as raised:
        parse_standards(text, "council.toml")
    message = str(raised.value)
    assert message.startswith("council.toml: ")
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('type = "personal_data"', 'type = "emails"'), "clause 3.2: unknown check 'emails'"),
        (('action = "redact"\n', ""), "clause 3.2: has no action (one of allow, review"),
        (('action = "redact"', 'action = "ban"'), "clause 3.2: unknown action 'ban'"),
        (('number = "3.2"', "number = 3.2"), "clause 1 (number 3.2): write the number in quotes"),
        (('number = "3.2"', 'number = "three"'), "clause 1: needs a number such as"),
        (
            ('title = "Do not post anyone\'s personal details"', 'title = ""'),
            "clause 3.2: needs a title",
        ),
        (
            ('action = "redact"', 'action = "redact"\nacton = "x"'),
            "clause 3.2: unknown key 'acton'",
        ),
        (
            ('type = "personal_data"', 'type = "personal_data"\nfind = ["dna"]'),
            "clause 3.2: personal_data: unknown kind 'dna'",
        ),
        (
            ('type = "personal_data"', 'type = "personal_data"\nfnd = ["email"]'),
            "clause 3.2: personal_data: unknown option 'fnd'",
        ),
        (('type = "personal_data"\n', ""), "clause 3.2: a check needs a type"),
        (
            ('action = "redact"', 'action = "redact"\nkinds = ["tweet"]'),
            "clause 3.2: unknown kind 'tweet'",
        ),
        (
            ('action = "redact"', 'action = "redact"\nroles = ["king"]'),
            "clause 3.2: unknown role 'king'",
        ),
        (
            ('action = "redact"', 'action = "redact"\nkinds = []'),
            "clause 3.2: kinds must be a non-empty list",
        ),
        (
            ('action = "redact"', 'action = "hold"\nreplacement = "[x]"'),
            "clause 3.2: replacement is only for the redact action",
        ),
    ],
)
def test_clause_errors_name_the_clause_and_the_problem(
    change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in CLAUSE
    assert expected in _error(CLAUSE.replace(old, new))


def test_bad_regular_expression() -> None:
    text = CLAUSE.replace(
        'type = "personal_data"', "type = \"patterns\"\npatterns = ['\\bearn (£\\d+']"
    )
    message = _error(text)
    assert "clause 3.2: patterns: bad regular expression" in message
    assert "missing ), unterminated subpattern" in message


def test_pattern_that_matches_everything() -> None:
    text = CLAUSE.replace('type = "personal_data"', "type = \"patterns\"\npatterns = ['x*']")
    assert "clause 3.2: patterns: 'x*' matches an empty text" in _error(text)


def test_redact_needs_a_check_that_finds_text() -> None:
    text = CLAUSE.replace('type = "personal_data"', 'type = "shouting"')
    assert "clause 3.2: action redact needs checks that find text; shouting does not" in _error(
        text
    )


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ('[{ name = "May", start = 2026-05-07, end = 2026-03-23 }]', "'May' ends (2026-03-23)"),
        (
            '[{ name = "May", start = "2026-02-30", end = 2026-05-07 }]',
            "start '2026-02-30' is not a date",
        ),
        ('[{ name = "May", start = "soon", end = 2026-05-07 }]', "start 'soon' is not a date"),
        ('[{ name = "May", start = 2026-03-23 }]', "'May' needs a start and an end date"),
        ('[{ name = "May", start = 2026-03-23, end = 12 }]', "end 12 is not a date"),
        ('[{ nam = "May", start = 2026-03-23, end = 2026-05-07 }]', "unknown key 'nam'"),
        ("[]", "periods must be a non-empty list of tables"),
    ],
)
def test_bad_dates(periods: str, expected: str) -> None:
    text = CLAUSE.replace('action = "redact"', 'action = "hold"').replace(
        'type = "personal_data"', f'type = "quiet_period"\nperiods = {periods}'
    )
    message = _error(text)
    assert "clause 3.2: quiet_period: " in message
    assert expected in message


@pytest.mark.parametrize(
    ("check", "options", "expected"),
    [
        ("blocked_terms", "", "blocked_terms: needs terms"),
        ("blocked_terms", 'terms = [""]', "terms must be a list of non-empty strings"),
        ("blocked_terms", 'terms = ["!!"]', "term '!!' needs at least two letters"),
        ("links", "", "links: needs max_links, denied_domains or both"),
        ("links", "max_links = -1", "links: max_links must be at least 0"),
        ("length", "", "length: needs min_chars, max_chars or both"),
        ("length", "min_chars = 9\nmax_chars = 2", "min_chars 9 exceeds max_chars 2"),
        ("shouting", "max_capitals = 7", "max_capitals must be a number from 0 to 1"),
        ("posting_rate", 'max_posts = "five"', "max_posts must be a whole number"),
        ("repeat", "within_hours = 0", "within_hours must be at least 1"),
        ("new_account", "count = 3", "new_account: unknown option 'count'"),
    ],
)
def test_bad_check_options(check: str, options: str, expected: str) -> None:
    text = CLAUSE.replace('action = "redact"', 'action = "hold"').replace(
        'type = "personal_data"', f'type = "{check}"\n{options}'
    )
    message = _error(text)
    assert "clause 3.2: " in message
    assert expected in message


def test_duplicate_numbers() -> None:
    assert "clause 3.2: the number is used twice" in _error(CLAUSE + CLAUSE)


def test_file_level_errors(tmp_path: Path) -> None:
    assert "not valid TOML" in _error("[[clause]\n")
    assert "no clauses" in _error("[settings]\nflag_threshold = 3\n")
    assert "unknown section 'clauses'" in _error('[[clauses]]\nnumber = "1"')
    with pytest.raises(StandardsError, match="cannot read the standards file"):
        load_standards(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("flag_threshold = 0", "flag_threshold must be a whole number from 1"),
        ("new_account_hold = -1", "new_account_hold must be a whole number from 0"),
        ("flag_treshold = 3", "unknown setting 'flag_treshold'"),
        ('kinds = ["Comment"]', "kinds must be lower-case names"),
        ('redaction = ""', "redaction must be non-empty text"),
        ('council_phone_numbers = ["call us"]', "'call us' in council_phone_numbers"),
    ],
)
def test_settings_errors(settings: str, expected: str) -> None:
    message = _error(f"[settings]\n{settings}\n{CLAUSE}")
    assert "[settings]" in message
    assert expected in message


def test_kinds_are_checked_against_the_settings() -> None:
    text = '[settings]\nkinds = ["comment", "petition"]\n' + CLAUSE.replace(
        'action = "redact"', 'action = "redact"\nkinds = ["petition"]'
    )
    assert parse_standards(text).clause("3.2").kinds == frozenset({"petition"})


def test_find_gives_a_clause_or_none_for_one_since_gone() -> None:
    standards = load_default_standards()
    first = standards.clauses[0]
    assert standards.find(first.number) is first
    assert standards.find("99.9") is None
