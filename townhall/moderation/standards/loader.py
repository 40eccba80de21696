"""Read a standards file (TOML), check every part of it, and compile its checks once.

The app loads the standards at start-up and stops with the `StandardsError`
message when the file is wrong, so each message names the file, the clause
and the problem in words a council officer editing the file can act on.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from townhall.moderation.standards.checks import Check, OptionError, build_check
from townhall.moderation.standards.model import (
    ROLES,
    Action,
    Clause,
    Settings,
    Standards,
    StandardsError,
)

#: The standards that ship with Townhall, modelled on UK councils' social media house rules.
DEFAULT_STANDARDS = Path(__file__).resolve().parent.parent / "default_standards.toml"

_CLAUSE_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_KIND = re.compile(r"[a-z][a-z0-9_]*")
_TOP_KEYS = frozenset({"title", "settings", "clause"})
_CLAUSE_KEYS = frozenset(
    {"number", "title", "explanation", "action", "kinds", "roles", "replacement", "check"}
)
_ACTIONS = ", ".join(Action)


def load_standards(path: str | os.PathLike[str]) -> Standards:
    """Read and validate the standards file at `path`.

    Raises StandardsError, naming the clause and the problem, when the file
    cannot be read, is not TOML, or breaks any rule of the format.
    """
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StandardsError(f"{source}: cannot read the standards file: {error}") from None
    return parse_standards(text, source)


def load_default_standards() -> Standards:
    """Load the standards that ship with Townhall."""
    return load_standards(DEFAULT_STANDARDS)


def parse_standards(text: str, source: str = "<standards>") -> Standards:
    """Validate standards given as TOML text; `source` names them in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StandardsError(f"{source}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise StandardsError(
            f"{source}: unknown section {unknown[0]!r} (expected title, [settings], [[clause]])"
        )
    settings = _settings(data.get("settings", {}), source)
    tables = data.get("clause")
    if not isinstance(tables, list) or not tables:
        raise StandardsError(f"{source}: no clauses (add [[clause]] tables)")
    clauses: list[Clause] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        clause = _clause(table, position, settings, source)
        if clause.number in seen:
            raise StandardsError(f"{source}: clause {clause.number}: the number is used twice")
        seen.add(clause.number)
        clauses.append(clause)
    title = data.get("title", "")
    if not isinstance(title, str):
        raise StandardsError(f"{source}: title must be text")
    return Standards(tuple(clauses), settings, source, title.strip())


def _settings(table: Any, source: str) -> Settings:
    where = f"{source}: [settings]"
    if not isinstance(table, dict):
        raise StandardsError(f"{where} must be a table")
    defaults = Settings()
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        raise StandardsError(f"{where}: unknown setting {unknown[0]!r}")

    def whole(key: str, default: int, minimum: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise StandardsError(f"{where}: {key} must be a whole number from {minimum}")
        return value

    def texts(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise StandardsError(f"{where}: {key} must be a list of non-empty strings")
        return tuple(value)

    kinds = texts("kinds", defaults.kinds)
    bad = [k for k in kinds if not _KIND.fullmatch(k)]
    if not kinds or bad:
        raise StandardsError(f"{where}: kinds must be lower-case names, such as comment")
    redaction = table.get("redaction", defaults.redaction)
    if not isinstance(redaction, str) or not redaction.strip():
        raise StandardsError(f"{where}: redaction must be non-empty text")
    phones = texts("council_phone_numbers", ())
    bad = [p for p in phones if not re.fullmatch(r"[+\d][\d ()-]{6,}", p)]
    if bad:
        raise StandardsError(f"{where}: {bad[0]!r} in council_phone_numbers is not a phone number")
    return Settings(
        kinds=kinds,
        flag_threshold=whole("flag_threshold", defaults.flag_threshold, 1),
        new_account_hold=whole("new_account_hold", defaults.new_account_hold, 0),
        redaction=redaction,
        council_phone_numbers=phones,
        council_email_domains=texts("council_email_domains", ()),
    )


def _clause(table: Any, position: int, settings: Settings, source: str) -> Clause:
    if not isinstance(table, dict):
        raise StandardsError(f"{source}: clause {position} must be a table")
    number = table.get("number")
    if isinstance(number, int | float) and not isinstance(number, bool):
        raise StandardsError(
            f"{source}: clause {position} (number {number}): write the number in quotes, "
            f'such as number = "{number}", so that 3.10 stays 3.10'
        )
    if not isinstance(number, str) or not _CLAUSE_NUMBER.fullmatch(number):
        raise StandardsError(
            f'{source}: clause {position}: needs a number such as "3.2", not {number!r}'
        )
    where = f"{source}: clause {number}"

    unknown = sorted(set(table) - _CLAUSE_KEYS)
    if unknown:
        raise StandardsError(f"{where}: unknown key {unknown[0]!r}")
    title = table.get("title")
    if not isinstance(title, str) or not title.strip():
        raise StandardsError(f"{where}: needs a title in plain words")
    explanation = table.get("explanation", "")
    if not isinstance(explanation, str):
        raise StandardsError(f"{where}: explanation must be text")

    if "action" not in table:
        raise StandardsError(f"{where}: has no action (one of {_ACTIONS})")
    try:
        action = Action(table["action"])
    except ValueError:
        raise StandardsError(
            f"{where}: unknown action {table['action']!r} (one of {_ACTIONS})"
        ) from None

    kinds = _subset(table, "kinds", frozenset(settings.kinds), where)
    roles = _subset(table, "roles", ROLES, where)

    checks = []
    check_tables = table.get("check", [])
    if not isinstance(check_tables, list) or not all(isinstance(c, dict) for c in check_tables):
        raise StandardsError(f"{where}: checks must be [[clause.check]] tables")
    for check_table in check_tables:
        checks.append(_check(check_table, settings, where))

    replacement = table.get("replacement")
    if replacement is not None:
        if action is not Action.REDACT:
            raise StandardsError(f"{where}: replacement is only for the redact action")
        if not isinstance(replacement, str) or not replacement.strip():
            raise StandardsError(f"{where}: replacement must be non-empty text")
    if action is Action.REDACT:
        # A redact clause whose check finds no text would publish the post untouched.
        blind = [c.name for c in checks if not c.finds_text]
        if blind:
            raise StandardsError(
                f"{where}: action redact needs checks that find text; {blind[0]} does not"
            )

    return Clause(
        number=number,
        title=title.strip(),
        action=action,
        checks=tuple(checks),
        explanation=explanation.strip(),
        kinds=kinds,
        roles=roles,
        replacement=replacement,
    )


def _subset(
    table: Mapping[str, Any], key: str, known: frozenset[str], where: str
) -> frozenset[str] | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise StandardsError(f"{where}: {key} must be a non-empty list of names")
    unknown = sorted(set(value) - known)
    if unknown:
        raise StandardsError(
            f"{where}: unknown {key[:-1]} {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return frozenset(value)


def _check(table: Mapping[str, Any], settings: Settings, where: str) -> Check:
    options = dict(table)
    name = options.pop("type", None)
    if not isinstance(name, str):
        raise StandardsError(f'{where}: a check needs a type, such as type = "blocked_terms"')
    try:
        return build_check(name, options, settings)
    except OptionError as error:
        raise StandardsError(f"{where}: {error}") from None
