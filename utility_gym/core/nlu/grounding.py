"""Grounding: typed values in text (ids, amounts, emails, zips, dates, numbers)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MAX_GROUNDING_CHARS = 10000
"""Only this many leading characters of a message are scanned for typed values."""


@dataclass(frozen=True)
class Grounding:
    """Typed values found in the text, in order of appearance, de-duplicated."""

    ids: tuple[str, ...] = ()
    amounts: tuple[float, ...] = ()
    emails: tuple[str, ...] = ()
    zips: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


# --------------------------------------------------------------------------------------------
# Grounding: typed values
# --------------------------------------------------------------------------------------------

_NO_GROUNDING = Grounding()
_HAS_DIGIT_RX = re.compile(r"\d")
_DIGIT3_RX = re.compile(r"\d\d\d")
_MONTH_HINT_RX = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_CUR_CODE_RX = re.compile(r"usd|cad|aud|eur|gbp|nzd|us\$|c\$|a\$")
_CUR_WORD_RX = re.compile(r"dollar|usd|buck|euro|eur|gbp|pound|quid")
_ID_RX = re.compile(
    r"(?<![\w@/.-])#?(?P<id>[A-Za-z]{1,6}-?\d{3,20}[A-Za-z0-9]{0,10})(?![\w@]|-\w)"
    r"|(?<![\w@/.-])#(?P<hid>\d{3,20})(?!\w)"
    r"|(?<![\w])(?:order|ticket|case|incident|request|reference|ref|confirmation|invoice|employee|"
    r"asset)s?"
    r"(?:\s{1,3}(?:number|no\.?|num|id|#))?(?:\s{0,3}[:#])?\s{0,3}(?P<kid>\d{3,20})(?![\w.,]\d|\w)",
    re.IGNORECASE,
)
_NOT_ID_PREFIXES = frozenset(
    ("USD", "EUR", "GBP", "CAD", "AUD", "US", "RS", "INR", "JPY", "CHF", "NZD", "HKD", "SGD", "MXN")
)
_AMOUNT_PRE_RX = re.compile(
    r"(?:(?<![A-Za-z])(?:US\$|USD|CAD|AUD|EUR|GBP|NZD|C\$|A\$)|[$\u20ac\u00a3])\s?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,12})(?P<frac>\.\d{1,4})?(?![\d,]\d|\d)",
    re.IGNORECASE,
)
_AMOUNT_SUF_RX = re.compile(
    r"(?<![\d.,$\u20ac\u00a3])(?P<int>\d{1,3}(?:,\d{3})+|\d{1,12})(?P<frac>\.\d{1,4})?\s?"
    r"(?:dollars?|usd|bucks|euros?|eur|gbp|pounds?|quid|\u20ac)(?![A-Za-z])",
    re.IGNORECASE,
)
_AMOUNT_EU_RX = re.compile(
    r"(?<![\d.,])(?P<int>\d{1,3}(?:\.\d{3})+|\d{1,12}),(?P<frac>\d{1,2})\s?(?:\u20ac|eur|"
    r"euros?)(?![A-Za-z])",
    re.IGNORECASE,
)
_AMOUNT_EU_PRE_RX = re.compile(
    r"(?:\u20ac|(?<![A-Za-z])eur)\s?(?P<int>\d{1,3}(?:\.\d{3})+|\d{1,12}),(?P<frac>\d{1,2})(?![\d,"
    r".]\d|\d)",
    re.IGNORECASE,
)
_LOCAL_RX = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_DOMAIN_RX = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,"
    r"24}(?![A-Za-z0-9-])"
)
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_ISO_RX = re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d])")
_DATE_SLASH_RX = re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?![\d/])")
_DATE_MDY_RX = re.compile(
    r"(?<![A-Za-z])"
    + _MONTH
    + r"\.?\s{1,3}(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s{1,3}(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
_DATE_DMY_RX = re.compile(
    r"(?<![\d])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?:of\s{1,3})?"
    + _MONTH
    + r"\.?,?\s{1,3}(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
_PHONE_RX = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]\d{4}(?!\d)|"
    r"(?<![\w+])\+\d[\d\s.-]{7,16}\d(?!\d)"
)
_TIME_RX = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_LIST_MARK_RX = re.compile(r"(?m)^[ \t]*\d{1,3}[.)](?=\s)")
_ZIP_RX = re.compile(r"(?<![\w$#.,/\u20ac\u00a3-])(?P<zip>\d{5})(?:-\d{4})?(?![\w%\u20ac]|[.,]\d)")
_NUMBER_RX = re.compile(r"(?<![\w$#.,/\u20ac\u00a3])(?P<num>\d{1,9})(?![\w\u20ac]|[.,/]\d)")


def extract_grounding(text: str) -> Grounding:
    """Typed values in `text` (its first `MAX_GROUNDING_CHARS` characters), in order, once each."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    t = text[:MAX_GROUNDING_CHARS]
    has_digit = _HAS_DIGIT_RX.search(t) is not None
    emails = _emails(t) if "@" in t else []
    if not has_digit:
        return (
            Grounding(emails=tuple(_dedupe(e for _, _, e in emails))) if emails else _NO_GROUNDING
        )
    # Each kind claims its characters in turn, so later kinds never read inside an earlier value.
    mask = _Claimed(len(t))
    for a, b, _ in emails:
        mask.cover(a, b)
    low = t.lower()
    has3 = _DIGIT3_RX.search(t) is not None
    # Dates before ids/amounts so "2026-11-28" is never an id or a number list.
    dates = _find_dates(t, low, mask)
    amounts = _find_amounts(t, low, mask)
    ids = _find_ids(t, mask) if has3 else []
    _claim_non_values(t, has3, mask)
    zips = _find_zips(t, mask) if has3 else []
    numbers = [
        (m.start(), int(m.group("num")))
        for m in _NUMBER_RX.finditer(t)
        if mask.free(m.start(), m.end())
    ]
    return Grounding(
        ids=tuple(_dedupe(v for _, v in sorted(ids))),
        amounts=tuple(_dedupe(v for _, v in sorted(amounts))),
        emails=tuple(_dedupe(v for _, _, v in emails)),
        zips=tuple(_dedupe(v for _, v in zips)),
        dates=tuple(_dedupe(v for _, v in sorted(dates))),
        numbers=tuple(_dedupe(v for _, v in numbers)),
    )


class _Claimed:
    """Which characters of the text an earlier value already claimed."""

    __slots__ = ("mask",)

    def __init__(self, n: int) -> None:
        self.mask = bytearray(n)

    def free(self, a: int, b: int) -> bool:
        return self.mask.find(1, a, b) == -1

    def cover(self, a: int, b: int) -> None:
        self.mask[a:b] = b"\x01" * (b - a)


def _find_dates(t: str, low: str, mask: _Claimed) -> list[tuple[int, str]]:
    """(position, ISO date) of each date; cheap gates skip the patterns a text cannot match."""
    date_rxs = []
    if "-" in t:
        date_rxs.append(_DATE_ISO_RX)
    if "/" in t:
        date_rxs.append(_DATE_SLASH_RX)
    if _MONTH_HINT_RX.search(low):
        date_rxs += [_DATE_MDY_RX, _DATE_DMY_RX]
    dates: list[tuple[int, str]] = []
    for rx in date_rxs:
        for m in rx.finditer(t):
            if not mask.free(m.start(), m.end()):
                continue
            iso = _iso_date(m)
            if iso:
                dates.append((m.start(), iso))
                mask.cover(m.start(), m.end())
    return dates


def _find_amounts(t: str, low: str, mask: _Claimed) -> list[tuple[int, float]]:
    """(position, value) of each money amount, in the US or the EU form."""
    amount_rxs: list[tuple[re.Pattern[str], bool]] = []
    if "\u20ac" in t or "eur" in low:
        amount_rxs += [(_AMOUNT_EU_RX, True), (_AMOUNT_EU_PRE_RX, True)]
    if "$" in t or "\u20ac" in t or "\u00a3" in t or _CUR_CODE_RX.search(low):
        amount_rxs.append((_AMOUNT_PRE_RX, False))
    if _CUR_WORD_RX.search(low) or "\u20ac" in t:
        amount_rxs.append((_AMOUNT_SUF_RX, False))
    amounts: list[tuple[int, float]] = []
    for rx, eu in amount_rxs:
        for m in rx.finditer(t):
            if not mask.free(m.start(), m.end()):
                continue
            value = _amount(m.group("int"), m.group("frac"), eu)
            if value is not None:
                amounts.append((m.start(), value))
                mask.cover(m.start(), m.end())
    return amounts


def _find_ids(t: str, mask: _Claimed) -> list[tuple[int, str]]:
    """(position, upper-case id) of each record id ("#A1042", "INC-0042")."""
    ids: list[tuple[int, str]] = []
    for m in _ID_RX.finditer(t):
        grp = "id" if m.group("id") else "hid" if m.group("hid") else "kid"
        a, b = m.span(grp)
        if not mask.free(a, b):
            continue
        value = m.group(grp).upper()
        if grp == "id":
            prefix = re.match(r"[A-Z]+", value)
            if prefix and prefix.group() in _NOT_ID_PREFIXES:
                continue
        ids.append((a, value))
        mask.cover(m.start(), b)
    return ids


def _claim_non_values(t: str, has3: bool, mask: _Claimed) -> None:
    """Phone numbers, times and list numbering: digits that are no zip code or quantity."""
    mask_rxs = [_PHONE_RX] if has3 else []
    if ":" in t:
        mask_rxs.append(_TIME_RX)
    if "\n" in t or t.lstrip()[:1].isdigit():
        mask_rxs.append(_LIST_MARK_RX)
    for rx in mask_rxs:
        for m in rx.finditer(t):
            mask.cover(m.start(), m.end())


def _find_zips(t: str, mask: _Claimed) -> list[tuple[int, str]]:
    zips: list[tuple[int, str]] = []
    for m in _ZIP_RX.finditer(t):
        if mask.free(m.start(), m.end()):
            zips.append((m.start(), m.group("zip")))
            mask.cover(m.start(), m.end())
    return zips


def _dedupe(values: Iterable) -> list:
    seen: set = set()
    out: list = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _emails(t: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    i = t.find("@")
    last_end = 0
    tries = 0
    while i != -1 and tries < 300:  # bounded work on "@@@@..." floods
        tries += 1
        left = _LOCAL_RX.search(t, max(last_end, i - 64), i)
        right = _DOMAIN_RX.match(t, i + 1, min(len(t), i + 1 + 320))
        if left and right:
            local = left.group().lstrip(".")
            start = i - len(local)
            if local and not local.endswith("."):
                end = right.end()
                out.append((start, end, (local + "@" + right.group()).lower()))
                last_end = end
        i = t.find("@", i + 1)
    return out


def _iso_date(m: re.Match[str]) -> str | None:
    try:
        y = int(m.group("y"))
        d = int(m.group("d"))
        if "mon" in m.re.groupindex:
            mo = _MONTHS[m.group("mon")[:3].lower()]
        else:
            mo = int(m.group("m"))
            if m.re is _DATE_SLASH_RX and mo > 12 >= d:
                mo, d = d, mo
        if not 1900 <= y <= 2200:
            return None
        return _dt.date(y, mo, d).isoformat()
    except (ValueError, KeyError):
        return None


def _amount(int_part: str, frac: str | None, eu: bool) -> float | None:
    """Normalize to a float rounded half-up to cents ("1.234,50" in the EU form)."""
    try:
        if eu:
            digits = int_part.replace(".", "") + "." + (frac or "0")
        else:
            digits = int_part.replace(",", "") + (frac or "")
        return float(Decimal(digits).quantize(_CENT, rounding=ROUND_HALF_UP))
    except (ValueError, ArithmeticError):
        return None


_CENT = Decimal("0.01")
