"""Personal details: email addresses, UK phone numbers, home addresses, NI and card numbers.

Each detector is written to leave alone the numbers a consultation is full
of: sums of money ("£1,200,000"), dates ("01/04/2025", "2025-04-01"), times,
planning references ("23/01234/FUL") and the council's own published
contact details.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings, Span

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])",
    re.IGNORECASE,
)

# Not preceded by what makes a digit part of an amount, a reference or a longer number.
_NUMBER_START = r"(?<![\w£$€.,/+-])"
# Not followed by more of a number, a reference or a time.
_NUMBER_END = r"(?![\w/:]|[.,]\d)"

# Each expression starts with a lookahead on its first character, which lets
# the engine skip ahead by character set instead of trying every position.
_PHONE = re.compile(
    r"(?=[+0(])"
    + _NUMBER_START
    + r"""
    (?: (?:\+|00)44[ ]?(?:\(0\)[ ]?)?   # international: +44 7700 900123, +44 (0)20 ...
      | \(?0 )                          # national: 07700 900123, (020) 7946 0018
    (?P<number>[1-9](?:[ -]?\)?[ -]?\d){8,9})
    """
    + _NUMBER_END,
    re.VERBOSE,
)

_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{2}"
# A house number, then one to seven words of street and town, then a full postcode.
_ADDRESS = re.compile(
    r"(?=[\dFf])"
    + _NUMBER_START
    + r"(?:flat[ ]\d+[a-z]?,?[ ])?\d{1,4}[a-z]?,?"
    + r"(?P<words>(?:[ ]+[a-z][\w'\u2019.-]*,?){1,7})"
    + rf"[ ]+(?P<postcode>{_POSTCODE})(?![\w])",
    re.IGNORECASE,
)
# An inward code ("1ZZ") ends every full postcode; a text without one has no address.
_INWARD_CODE = re.compile(r"\d[a-z]{2}\b", re.IGNORECASE)
_STREET_TYPES = frozenset(
    [
        "road",
        "rd",
        "street",
        "st",
        "avenue",
        "ave",
        "lane",
        "ln",
        "close",
        "drive",
        "dr",
        "way",
        "court",
        "ct",
        "crescent",
        "gardens",
        "place",
        "terrace",
        "grove",
        "hill",
        "park",
        "mews",
        "square",
        "row",
        "walk",
        "green",
        "parade",
        "rise",
        "view",
        "yard",
        "cottages",
        "estate",
        "villas",
        "wharf",
    ]
)
# Small words that appear in place names between capitalised ones.
_PLACE_LINKS = frozenset(["upon", "on", "in", "under", "the", "le", "by", "next", "sea", "de"])

# The digits and letter that end an NI number: a quick search before the full one.
_NI_TAIL = re.compile(r"\d\d[ ]?\d\d[ ]?\d\d[ ]?[A-D]\b", re.IGNORECASE)
_NI_NUMBER = re.compile(
    r"(?<![\w])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D](?![\w])",
    re.IGNORECASE,
)

_CARD = re.compile(r"(?=[2-6])" + _NUMBER_START + r"[2-6](?:[ -]?\d){12,18}" + _NUMBER_END)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum that payment card numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def national_number(text: str) -> str:
    """A UK phone number as the digits dialled within the UK: "+44 (0)20 7946 0018" -> 020..."""
    digits = _digits(text)
    if text.lstrip().startswith(("+44", "0044")):
        digits = "0" + digits.removeprefix("00").removeprefix("44").removeprefix("0")
    return digits


class PersonalData:
    """Finds personal details; which kinds to look for is an option.

    Phone numbers count only when they can reach a person: geographic (01, 02)
    and mobile or personal (07) numbers. Non-geographic numbers (03, 08, 09)
    belong to organisations. An address counts only with a house number and a
    full postcode, because a postcode alone covers a street, not a home.
    """

    name: ClassVar[str] = "personal_data"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None
    KINDS: ClassVar[tuple[str, ...]] = ("email", "phone", "address", "ni_number", "payment_card")

    def __init__(
        self,
        kinds: tuple[str, ...],
        council_phone_numbers: tuple[str, ...] = (),
        council_email_domains: tuple[str, ...] = (),
    ) -> None:
        unknown = sorted(set(kinds) - set(self.KINDS))
        if unknown:
            raise OptionError(
                f"{self.name}: unknown kind {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(self.KINDS)})"
            )
        # Each finder with the fewest digits a text needs for it to find anything,
        # so that the many texts with few digits skip the expressions.
        self._finders: list[tuple[str, int, Callable[[str], Iterator[Span]]]] = [
            (label, least_digits, finder)
            for kind, label, least_digits, finder in (
                ("email", "email address", 0, self._emails),
                ("phone", "phone number", 10, self._phones),
                ("address", "home address", 3, self._addresses),
                ("ni_number", "National Insurance number", 6, self._ni_numbers),
                ("payment_card", "payment card number", 13, self._cards),
            )
            if kind in kinds
        ]
        self._council_numbers = frozenset(national_number(n) for n in council_phone_numbers)
        self._council_domains = tuple(d.lower().lstrip("@.") for d in council_email_domains)

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> PersonalData:
        """Build from `find = [...]` (default: every kind), with the council's own contacts."""
        kinds = options.strings("find") or cls.KINDS
        return cls(kinds, settings.council_phone_numbers, settings.council_email_domains)

    def find(self, subject: Subject) -> Finding | None:
        """Return each kind of personal detail found and where."""
        reasons: list[str] = []
        spans: list[Span] = []
        digits = subject.digits
        for label, least_digits, finder in self._finders:
            if digits < least_digits:
                continue
            found = list(finder(subject.text))
            if found:
                reasons.append(label)
                spans.extend(found)
        return Finding(tuple(reasons), tuple(spans)) if reasons else None

    def _emails(self, text: str) -> Iterator[Span]:
        if "@" not in text:
            return
        for match in _EMAIL.finditer(text):
            domain = match.group(1).lower()
            if not any(domain == d or domain.endswith("." + d) for d in self._council_domains):
                yield Span(match.start(), match.end(), match.group())

    def _phones(self, text: str) -> Iterator[Span]:
        for match in _PHONE.finditer(text):
            number = national_number(match.group())
            if number[1] not in "127" or number in self._council_numbers:
                continue
            # Spaced digits are a phone number only in the groups numbers are
            # written in (020 7946 0018); "01 04 2025 10" is a date and an hour.
            groups = re.findall(r"\d+", match.group("number"))
            if all(len(group) >= 3 for group in groups[1:]):
                yield Span(match.start(), match.end(), match.group())

    def _addresses(self, text: str) -> Iterator[Span]:
        if not _INWARD_CODE.search(text):
            return
        position = 0
        while match := _ADDRESS.search(text, position):
            words = re.findall(r"[^\W\d_]+", match.group("words"))
            street = any(w.lower() in _STREET_TYPES for w in words)
            named = all(w[0].isupper() or w.lower() in _PLACE_LINKS for w in words)
            if street or named:
                yield Span(match.start(), match.end(), match.group())
                position = match.end()
            else:
                # The words were not an address; a house number may start later on.
                position = match.start() + 1

    def _ni_numbers(self, text: str) -> Iterator[Span]:
        if not _NI_TAIL.search(text):
            return
        for match in _NI_NUMBER.finditer(text):
            yield Span(match.start(), match.end(), match.group())

    def _cards(self, text: str) -> Iterator[Span]:
        for match in _CARD.finditer(text):
            digits = _digits(match.group())
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                yield Span(match.start(), match.end(), match.group())
