# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Dates as people write them, resolved against the date of the message
they are written in:

- "fin mars", "avant fin mars", "by end of March" → the last day of March
  (of the message's year, or of the next one when March is over);
- "au T2", "by end of Q3", "deuxième trimestre" → the last day of the quarter;
- "fin du mois", "end of the month" → the last day of the message's month;
- "en avril", "in April" → the first day of April;
- "dans 3 semaines", "in two weeks", "within 3 weeks" → that many days,
  weeks or months after the message;
- "jeudi prochain", "mardi", "next Thursday", "on Friday" → the first such
  day strictly after the message's day;
- "la semaine prochaine", "next week" → the Monday of the next week;
- "demain", "tomorrow" → the next day;
- an explicit day ("d'ici le 15 avril", "by April 30", "le 5 mai") is read
  by dateparser with the message's date as its base, preferring the future.
"""

import calendar
import datetime
import re

from .text import fold

try:
    import dateparser
except ImportError:  # pragma: no cover - declared in the manifest
    dateparser = None

MONTHS = {
    "janvier": 1,
    "janv": 1,
    "january": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "february": 2,
    "feb": 2,
    "mars": 3,
    "march": 3,
    "mar": 3,
    "avril": 4,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juin": 6,
    "june": 6,
    "jun": 6,
    "juillet": 7,
    "july": 7,
    "jul": 7,
    "aout": 8,
    "august": 8,
    "aug": 8,
    "septembre": 9,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "october": 10,
    "oct": 10,
    "novembre": 11,
    "november": 11,
    "nov": 11,
    "decembre": 12,
    "december": 12,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre"
    r"|decembre|january|february|march|april|may|june|july|august|september|october"
    r"|november|december)"
)
WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_WEEKDAY = (
    r"(?P<weekday>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday)"
)
SMALL_NUMBERS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "huit": 8,
    "dix": 10,
    "quinze": 15,
    "one": 1,
    "a": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "eight": 8,
    "ten": 10,
    "fifteen": 15,
    "a couple of": 2,
}
_COUNT = (
    r"(?P<count>\d{1,2}|un|une|deux|trois|quatre|cinq|six|huit|dix|quinze"
    r"|one|a|two|three|four|five|eight|ten|fifteen)"
)
_QUARTER_WORDS = {
    "premier": 1,
    "1er": 1,
    "first": 1,
    "deuxieme": 2,
    "second": 2,
    "2e": 2,
    "2nd": 2,
    "troisieme": 3,
    "third": 3,
    "3e": 3,
    "3rd": 3,
    "quatrieme": 4,
    "fourth": 4,
    "4e": 4,
    "4th": 4,
}

# The furthest year a written date is read as a project's date.
MAX_YEARS_AHEAD = 10

_RULES = [
    (
        "month_end",
        re.compile(rf"\b(?:fin|end)\s+(?:de\s+|d'|of\s+|du\s+mois\s+d[e']\s*)?{_MONTH}\b"),
    ),
    (
        "this_month_end",
        re.compile(r"\b(?:(?:la\s+)?fin\s+du\s+mois|(?:the\s+)?end\s+of\s+(?:the|this)\s+month)\b"),
    ),
    ("quarter", re.compile(r"\b(?:t|q)(?P<quarter>[1-4])\b")),
    (
        "quarter",
        re.compile(
            r"\b(?P<qword>premier|1er|deuxieme|second|2e|troisieme|3e|quatrieme|4e)\s+trimestre\b"
            r"|\b(?P<qword2>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\b"
        ),
    ),
    (
        "relative",
        re.compile(
            rf"\b(?:dans|d'ici|sous|in|within)\s+{_COUNT}\s+(?P<unit>jours?|semaines?|mois|days?|weeks?|months?)\b"
        ),
    ),
    ("next_week", re.compile(r"\b(?:la\s+semaine\s+prochaine|next\s+week)\b")),
    ("tomorrow", re.compile(r"\b(?:apres-demain|demain|tomorrow)\b")),
    # a day and a month, with the year when it is written ("15 avril 2031")
    (
        "explicit",
        re.compile(rf"\b(?P<day>\d{{1,2}})(?:er)?\s+{_MONTH}\b(?:,?\s+(?P<year>\d{{4}})\b)?"),
    ),
    (
        "explicit",
        re.compile(
            rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?"
        ),
    ),
    ("weekday", re.compile(rf"\b{_WEEKDAY}\b")),
    ("month_start", re.compile(rf"\b(?:en|in|debut|early|courant)\s+{_MONTH}\b")),
]


def _month_year(month, base):
    return base.year if month >= base.month else base.year + 1


def _last_day(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(base, months):
    month = base.month - 1 + months
    year = base.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(base.day, calendar.monthrange(year, month)[1]))


def _explicit(text, base):
    if dateparser is not None:
        parsed = dateparser.parse(
            text,
            languages=["fr", "en"],
            settings={
                "RELATIVE_BASE": datetime.datetime.combine(base, datetime.time()),
                "PREFER_DATES_FROM": "future",
                "PREFER_DAY_OF_MONTH": "first",
            },
        )
        if parsed:
            return parsed.date()
    return None


def _resolve(rule, match, base, original):
    groups = match.groupdict()
    if rule == "month_end":
        month = MONTHS[groups["month"]]
        return _last_day(_month_year(month, base), month)
    if rule == "this_month_end":
        return _last_day(base.year, base.month)
    if rule == "quarter":
        if groups.get("quarter"):
            quarter = int(groups["quarter"])
        else:
            quarter = _QUARTER_WORDS[groups.get("qword") or groups.get("qword2")]
        month = quarter * 3
        year = base.year if month >= base.month else base.year + 1
        return _last_day(year, month)
    if rule == "relative":
        count = groups["count"]
        count = int(count) if count.isdigit() else SMALL_NUMBERS[count]
        unit = groups["unit"]
        if unit.startswith(("jour", "day")):
            return base + datetime.timedelta(days=count)
        if unit.startswith(("semaine", "week")):
            return base + datetime.timedelta(weeks=count)
        return _add_months(base, count)
    if rule == "next_week":
        return base + datetime.timedelta(days=7 - base.weekday())
    if rule == "tomorrow":
        return base + datetime.timedelta(days=2 if match.group().startswith("apres") else 1)
    if rule == "weekday":
        ahead = (WEEKDAYS[groups["weekday"]] - base.weekday()) % 7 or 7
        return base + datetime.timedelta(days=ahead)
    if rule == "month_start":
        month = MONTHS[groups["month"]]
        return datetime.date(_month_year(month, base), month, 1)
    if rule == "explicit":
        return _resolve_explicit(match, groups, base, original)
    return None


def _resolve_explicit(match, groups, base, original):
    """A day and a month ("15 avril", "March 1"), with its year when written."""
    month = MONTHS[groups["month"]]
    day = int(groups["day"])
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:
        return None
    if groups.get("year"):
        # A year written: kept when it is a project's (this year to ten
        # years ahead), else the date is no commitment ("31 December 9999").
        year = int(groups["year"])
        if not base.year <= year <= base.year + MAX_YEARS_AHEAD:
            return None
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    parsed = _explicit(original[match.start() : match.end()], base)
    if parsed:
        return parsed
    year = base.year if (month, day) >= (base.month, base.day) else base.year + 1
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def find_dates(text, base):
    """The dates of a text as ``(date, start, end)``, in reading order, each
    resolved against ``base`` (the message's date); overlapping expressions
    are read once, the longest rule first."""
    folded = fold(text)
    found = []
    taken = []
    for rule, pattern in _RULES:
        for match in pattern.finditer(folded):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            value = _resolve(rule, match, base, text)
            if value is None:
                continue
            taken.append((match.start(), match.end()))
            found.append((value, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])
