# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Amounts of money as business people write them: "40 k€", "40 000 € HT",
"1,2 M€", "$50k", "EUR 22,500", "quarante mille euros" (numbers in words are
turned into digits by text2num first), and ranges ("entre 30 et 40 k€",
"25-30k EUR"), of which the upper bound is kept: a budget range tells how far
the customer may go.

Amounts that are not money (phone numbers, SIRET, postcodes, order and
invoice numbers) have no currency and no multiplier, so they are not read;
money that is not a budget (a turnover) is told apart by the words around it.
"""

import re

from .text import fold

try:
    from text_to_num import alpha2digit
except ImportError:  # pragma: no cover - declared in the manifest
    alpha2digit = None

_NUMBER = r"\d{1,3}(?:[  .,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULT = r"(?:k|K|M|Md|millions?|mille|thousand|million)"
_CUR_BEFORE = r"(?:€|\$|£|EUR|USD|GBP)"
_CUR_AFTER = r"(?:€|\$|£|EUR|USD|GBP|euros?|dollars?|keur|kEUR|k€|K€|M€|k\$)"
_AMOUNT = re.compile(
    r"(?<![\w.,])(?:"
    rf"(?P<c1>{_CUR_BEFORE})\s?(?P<n1>{_NUMBER})\s?(?P<m1>{_MULT})?(?![\w])"
    rf"|(?P<n2>{_NUMBER})\s?(?P<m2>{_MULT})?\s?(?P<c2>{_CUR_AFTER})(?![\w])"
    rf"|(?P<n3>{_NUMBER})\s?(?P<m3>k|K|M)(?![\w€$])"
    rf"|(?P<n4>{_NUMBER})\s?(?P<c4>HT|H\.T\.)(?![\w])"
    ")"
)
_RANGE_LOW = re.compile(
    rf"(?<![\w.,])(?P<low>{_NUMBER})\s?(?P<mult>{_MULT})?\s?(?:€|euros?)?\s*"
    r"(?:-|\u2013|à|a|to|and|et)\s*$",
)
_NOT_BUDGET_BEFORE = re.compile(
    r"(?:\bca\b|chiffre d'affaires|revenue|turnover|realise|factur|invoice|commande|order|"
    r"\bpo\b|devis n|capital)[^.;]{0,25}$"
)
_NOT_BUDGET_AFTER = re.compile(r"^\W{0,3}(?:de ca\b|de chiffre|revenue|turnover|d'affaires)")


def _number(text):
    text = text.replace(" ", " ").replace(" ", " ")
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+(?:[.,]\d{1,2})?", text):
        head, decimals = text, ""
        match = re.search(r"[.,](\d{1,2})$", text)
        if match:
            head, decimals = text[: match.start()], match.group(1)
        digits = re.sub(r"[ .,]", "", head)
        return float(f"{digits}.{decimals}" if decimals else digits)
    return float(text.replace(",", "."))


def _multiplier(mult):
    if not mult:
        return 1
    mult = mult.lower()
    if mult in ("k", "mille", "thousand"):
        return 1000
    if mult == "md":
        return 1e9
    return 1e6


def with_digits(sentence, lang):
    """The sentence with its numbers in words written in digits."""
    if alpha2digit is None:
        return sentence
    try:
        return alpha2digit(sentence, "fr" if lang == "fr" else "en")
    except Exception:
        return sentence


def amounts(sentence, lang="fr", bare=False):
    """The amounts of money of a sentence, each as ``(value, start, end)``,
    with the upper bound of a range. ``bare`` also reads "40k" and "1.5M"
    without a currency (only where a budget is spoken of)."""
    text = with_digits(sentence, lang)
    folded = fold(text)
    found = []
    for match in _AMOUNT.finditer(text):
        if match.group("n3") and not bare:
            continue
        number = match.group("n1") or match.group("n2") or match.group("n3") or match.group("n4")
        mult = match.group("m1") or match.group("m2") or match.group("m3")
        currency = (match.group("c2") or "").lower()
        value = _number(number) * _multiplier(mult)
        if not mult and currency[:1] in ("k",):
            value *= 1000
        if not mult and currency.startswith("m€"):
            value *= 1e6
        if _NOT_BUDGET_BEFORE.search(folded[max(0, match.start() - 60) : match.start()]):
            continue
        if _NOT_BUDGET_AFTER.search(folded[match.end() : match.end() + 20]):
            continue
        low = _RANGE_LOW.search(text[max(0, match.start() - 25) : match.start()])
        if low and not low.group("mult") and mult:
            low_value = _number(low.group("low")) * _multiplier(mult)
            value = max(value, low_value)
        found.append((value, match.start(), match.end()))
    return found
