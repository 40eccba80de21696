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
    (?: (?:\+|00)[ .-]?44[ .-]?(?:\(0\)[ .-]?|0[ .-]?)?  # +44 7700 900123, 0044 (0)20 ...
      | \(?0 )                                          # national: 07700 900123, (020) 7946 0018
    (?P<number>[1-9](?:[ .-]{0,2}\)?[ .-]{0,2}\d){8,9})
    """
    + _NUMBER_END,
    re.VERBOSE,
)

_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{2}"
# A house number, then one to seven words of street and town, then a full postcode.
_ADDRESS = re.compile(
    r"(?=[\dFfAaNn])"
    + _NUMBER_START
    + r"(?P<flat>(?:flat|apartment|apt\.?)[ ]?\d+[a-z]?,?[ ]+)?(?:no\.?[ ]?|number[ ])?"
    + r"\d{1,4}[a-z]?,?"
    + r"(?P<words>(?:[ ]+[a-z][\w'\u2019.-]*,?){0,7})"
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
_NI_TAIL = re.compile(r"\d\d[ .-]?\d\d[ .-]?\d\d[ .-]?[A-D]\b", re.IGNORECASE)
# Any two letters: a mistyped or invented prefix is still someone's number to the reader.
_NI_NUMBER = re.compile(
    r"(?<![\w])(?P<letters>[A-Z]{2})[ .-]?\d{2}[ .-]?\d{2}[ .-]?\d{2}[ .-]?[A-D](?![\w])",
    re.IGNORECASE,
)
# Without its last letter, an NI number needs saying so ("NI number AB123456").
_NI_NAMED = re.compile(
    r"\b(?:NI|NINO|national[ ]insurance)(?:[ ](?:number|no\.?))?[ ]?(?:is|:)?[ ]?"
    r"(?P<number>[A-Z]{2}[ .-]?\d{2}[ .-]?\d{2}[ .-]?\d{2})(?![\w]|[ .-]?[A-D]\b)",
    re.IGNORECASE,
)
# Two-letter words that, in lower case before a time or a date, are not a prefix.
_NOT_A_PREFIX = frozenset(
    [
        *("am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me"),
        *("my", "no", "of", "on", "or", "pm", "so", "to", "up", "us", "we"),
    ]
)

# A sort code: three pairs of digits, the same separator between them (or none).
_SORT_CODE = re.compile(
    r"(?=\d)" + _NUMBER_START + r"\d\d(?P<sep>[ .-]?)\d\d(?P=sep)\d\d(?![\w/:]|[.,-]\d)"
)
# An account number: eight digits, perhaps split four and four.
_ACCOUNT = re.compile(r"(?=\d)" + _NUMBER_START + r"\d{4}[ -]?\d{4}" + _NUMBER_END)
_BANK_WORDS = re.compile(
    r"\b(?:sort[ ]?code|s/c|a/c|acc(?:oun)?t?\.?(?:[ ]?(?:no\.?|number|num))?|account|bank)\b",
    re.IGNORECASE,
)
# How close a word or the other half must be to count as "beside" (characters).
_BESIDE = 30

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
# A full date: day, month and year, in the ways people write one.
_DATE = re.compile(
    r"(?=[\dA-Za-z])(?<![\w/.-])"
    r"""(?:
        (?P<d>\d{1,2})(?P<sep>[/.-]|[ ])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})
      | (?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})
      | """
    + _ORDINAL
    + r"""(?:[ ]of)?[ ]"""
    + _MONTHS
    + r"""\.?,?[ ](?P<wy>\d{4})
      | """
    + _MONTHS
    + r"""\.?[ ]"""
    + _ORDINAL
    + r""",?[ ](?P<my>\d{4})
    )(?![\w/]|[.-]\d)""",
    re.IGNORECASE | re.VERBOSE,
)
_BIRTH_WORDS = re.compile(
    r"\b(?:born|b\.|dob|d\.o\.b\.?|date[ ]of[ ]birth|birth[ ]?date|birthday)(?!\w)",
    re.IGNORECASE,
)
# A person's name just before a date: "Jane Doe, 14/02/1961", "Jane Doe (14 Feb 1961)".
_NAME_BEFORE = re.compile(r"\b[A-Z][a-z'\u2019-]+[ ][A-Z][a-z'\u2019-]+[ ]?[,(:-]?[ ]?$")
# A date next to a name is a birth date only when it is this many years old or more:
# the dates of meetings and decisions beside councillors' names are recent.
_YEARS_BEFORE = 16

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
    KINDS: ClassVar[tuple[str, ...]] = (
        "email",
        "phone",
        "address",
        "ni_number",
        "payment_card",
        "bank_account",
        "date_of_birth",
    )

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
        self._finders: list[tuple[str, int, Callable[[str, Subject], Iterator[Span]]]] = [
            (label, least_digits, finder)
            for kind, label, least_digits, finder in (
                ("email", "email address", 0, self._emails),
                ("phone", "phone number", 10, self._phones),
                ("address", "home address", 3, self._addresses),
                ("ni_number", "National Insurance number", 6, self._ni_numbers),
                ("payment_card", "payment card number", 13, self._cards),
                ("bank_account", "bank details", 6, self._bank_details),
                ("date_of_birth", "date of birth", 4, self._dates_of_birth),
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
        # Read with look-alikes made plain (full-width digits, Cyrillic letters); same offsets.
        plain = subject.plain
        for label, least_digits, finder in self._finders:
            if digits < least_digits:
                continue
            found = [
                Span(s.start, s.end, subject.text[s.start : s.end]) for s in finder(plain, subject)
            ]
            if found:
                reasons.append(label)
                spans.extend(found)
        return Finding(tuple(reasons), tuple(spans)) if reasons else None

    def _emails(self, text: str, subject: Subject) -> Iterator[Span]:
        if "@" not in text:
            return
        for match in _EMAIL.finditer(text):
            domain = match.group(1).lower()
            if not any(domain == d or domain.endswith("." + d) for d in self._council_domains):
                yield Span(match.start(), match.end(), match.group())

    def _phones(self, text: str, subject: Subject) -> Iterator[Span]:
        for match in _PHONE.finditer(text):
            number = national_number(match.group())
            if number[1] not in "127" or number in self._council_numbers:
                continue
            # Spaced digits are a phone number only in the groups numbers are
            # written in (020 7946 0018); "01 04 2025 10" is a date and an hour.
            groups = re.findall(r"\d+", match.group("number"))
            if all(len(group) >= 3 for group in groups[1:]):
                yield Span(match.start(), match.end(), match.group())

    def _addresses(self, text: str, subject: Subject) -> Iterator[Span]:
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

    def _ni_numbers(self, text: str, subject: Subject) -> Iterator[Span]:
        for match in _NI_NAMED.finditer(text):
            yield Span(match.start("number"), match.end("number"), match.group("number"))
        if not _NI_TAIL.search(text):
            return
        for match in _NI_NUMBER.finditer(text):
            letters = match.group("letters")
            if letters.islower() and letters in _NOT_A_PREFIX:
                continue  # "at 10.30.00 a.m."
            yield Span(match.start(), match.end(), match.group())

    def _cards(self, text: str, subject: Subject) -> Iterator[Span]:
        for match in _CARD.finditer(text):
            digits = _digits(match.group())
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                yield Span(match.start(), match.end(), match.group())

    def _bank_details(self, text: str, subject: Subject) -> Iterator[Span]:
        """Sort codes and account numbers beside each other or beside words that name them.

        Alone, "12-34-56" may be a date and "12345678" a reference: each
        counts only with the other, or a word such as "sort code" or
        "account", within a few words.
        """
        codes = [m for m in _SORT_CODE.finditer(text) if m.group("sep") or _named(text, m)]
        accounts = list(_ACCOUNT.finditer(text))
        if not codes and not accounts:
            return
        paired: set[tuple[int, int]] = set()
        for code in codes:
            for account in accounts:
                if _beside(code, account):
                    paired.update([code.span(), account.span()])
        for match in sorted([*codes, *accounts], key=lambda m: m.start()):
            if match.span() in paired or _named(text, match):
                yield Span(match.start(), match.end(), match.group())

    def _dates_of_birth(self, text: str, subject: Subject) -> Iterator[Span]:
        """Full dates said to be a birth date, or old enough and next to a person's name."""
        this_year = subject.post.author.now.year
        for match in _DATE.finditer(text):
            before = text[max(0, match.start() - _BESIDE) : match.start()]
            after = text[match.end() : match.end() + 12]
            said = _BIRTH_WORDS.search(before) or _BIRTH_WORDS.search(after)
            named = (
                _NAME_BEFORE.search(before) and _year(match, this_year) <= this_year - _YEARS_BEFORE
            )
            if said or named:
                yield Span(match.start(), match.end(), match.group())


def _named(text: str, match: re.Match[str]) -> bool:
    """Whether a bank word ("sort code", "account") comes just before the match."""
    return bool(_BANK_WORDS.search(text, max(0, match.start() - _BESIDE), match.start()))


def _beside(one: re.Match[str], other: re.Match[str]) -> bool:
    gap = max(one.start(), other.start()) - min(one.end(), other.end())
    return 0 <= gap <= _BESIDE


def _year(match: re.Match[str], this_year: int) -> int:
    """The year of a date match, a two-digit year read as the latest not after this one."""
    year = next(match.group(g) for g in ("y", "iy", "wy", "my") if match.group(g))
    if len(year) == 2:
        century = this_year - this_year % 100
        value = century + int(year)
        return value if value <= this_year else value - 100
    return int(year)
