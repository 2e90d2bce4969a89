# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The author's own words: what is left of a message once older messages it
quotes, its signature and its auto-reply nature are set aside, cut into
sentences and clauses."""

import re
import unicodedata

#: Only the beginning of a message is read (a pasted contract or log must not
#: make the analysis of one message cost seconds).
MAX_CHARS = 20000

_REPLY_HEADER = re.compile(
    r"^\s*(?:le\s.{0,120}a\s+[ée]crit\s*:|on\s.{0,160}wrote\s*:)\s*$"
    r"|^\s*-{2,}\s*(?:original message|message d'origine|forwarded message|"
    r"message transf[ée]r[ée]|mail original)\s*-*\s*$"
    r"|^\s*_{5,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*(?:de|from)\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*(?:envoy[ée]|sent|date|[àa]|to|objet|subject)\s*:", re.IGNORECASE)
_CLOSING = re.compile(
    r"^\s*(?:(?:bien|tr[èe]s)\s+)?cordialement\b|^\s*bien\s+[àa]\s+vous\b"
    r"|^\s*(?:sinc[èe]res\s+)?salutations\b|^\s*(?:bonne\s+(?:journ[ée]e|soir[ée]e))\W*$"
    r"|^\s*(?:(?:best|kind|warm|warmest)\s+)?regards\b|^\s*best\W*$|^\s*cheers\W*$"
    r"|^\s*(?:many\s+)?thanks\W*$|^\s*merci\W*$|^\s*sincerely\b|^\s*yours\s+truly\b",
    re.IGNORECASE,
)
_AUTO_REPLY = re.compile(
    r"r[ée]ponse\s+automatique|message\s+automatique|auto[- ]?reply|automatic\s+reply"
    r"|out\s+of\s+(?:the\s+)?office|je\s+suis\s+(?:actuellement\s+)?(?:absente?|en\s+cong[ée]s)"
    r"|absente?\s+du\s+\d|de\s+retour\s+le\b|on\s+(?:annual\s+)?leave\b|i\s+am\s+away\b"
    r"|i'm\s+away\b|will\s+respond\s+on\s+my\s+return",
    re.IGNORECASE,
)
_ABBREVIATIONS = ("m", "mme", "mlle", "mr", "mrs", "ms", "dr", "st", "n", "no", "vs", "etc", "cf")


def fold(text):
    """Lower case without accents, same length as the text (for matching)."""
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFKD", char)[:1] or char
        out.append(base if len(base) == 1 else char)
    return "".join(out).replace("\u2019", "'")


def is_auto_reply(text, message_type=None):
    """An absence notice: its dates are not commitments."""
    if message_type == "auto_reply":
        return True
    return bool(_AUTO_REPLY.search(text[:400]))


def own_words(text):
    """The lines the author wrote: without quoted older messages (``>``
    lines, "Le … a écrit :", "On … wrote:", Outlook "De : … Envoyé : …"
    blocks) and without the signature ("-- " or a closing formula and what
    follows it)."""
    lines = text[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if _REPLY_HEADER.search(line):
            break
        if _HEADER_FROM.search(line) and any(
            _HEADER_NEXT.search(following) for following in lines[index + 1 : index + 5]
        ):
            break
        if stripped in ("--", "-- ", "—", "__"):
            break
        if len(stripped) <= 40 and _CLOSING.search(stripped):
            break
        kept.append(line)
    return "\n".join(kept)


def sentences(text):
    """Sentences of a plain text (a line break ends one too)."""
    result = []
    for paragraph in text.split("\n"):
        start = 0
        for match in re.finditer(r"[.!?;]+(?=\s+|$)", paragraph):
            word = re.search(r"(\w+)\W*$", paragraph[start : match.start()] + " ")
            before = paragraph[start : match.start()].split()
            last = before[-1].lower() if before else ""
            if match.group().startswith(".") and last.strip(".") in _ABBREVIATIONS:
                continue
            if word is None:
                continue
            sentence = paragraph[start : match.end()].strip()
            if sentence:
                result.append(sentence)
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            result.append(rest)
    return [sentence for sentence in result if re.search(r"\w", sentence)]


def clauses(sentence):
    """The clauses of a sentence (commas, colons, semicolons, dashes, "and"
    between two verbs are not told apart: a comma is enough here)."""
    parts = re.split(
        r"\s*(?:,(?=\s)|:(?=\s)|;|\s[-\u2013\u2014]\s|\bet\s+(?=(?:on|nous|ils|elles?|il)\b)"
        r"|\band\s+(?=(?:we|they|he|she|i)\b)|\bbut\b|\bmais\b)\s*",
        sentence,
    )
    return [part for part in parts if part and part.strip()]
