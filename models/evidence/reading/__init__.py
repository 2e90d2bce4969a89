# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reading the facts of a business message (French or English) without the
ORM and without sending any text anywhere: see ``read_message``."""

from .kinds import read_sentence
from .text import MAX_CHARS, fold, is_auto_reply, own_words, sentences

KINDS = ("budget", "authority", "timing", "competitor", "objection", "next_step")


def guess_lang(text):
    """``fr`` or ``en``, from the most common short words."""
    folded = fold(text[:2000])
    french = sum(
        folded.count(word)
        for word in (" le ", " la ", " les ", " nous ", " est ", " pour ", " de ")
    )
    english = sum(
        folded.count(word) for word in (" the ", " we ", " is ", " for ", " our ", " to ")
    )
    return "fr" if french >= english else "en"


MAX_SENTENCE = 600


def read_message(
    text, date, author_role="customer", message_type="email", competitors=(), kinds=None
):
    """The facts of a message, in reading order, one per kind and value.

    :param text: the message as plain text (only its first ``MAX_CHARS``
        characters are read)
    :param date: the message's date (a ``datetime.date``): relative dates are
        resolved against it
    :param author_role: ``customer`` or ``salesperson`` (a price our
        salesperson quotes in their own email is not the customer's budget)
    :param message_type: ``email``, ``note`` or ``auto_reply``
    :param competitors: the names of known competitors
    :param kinds: the kinds to return (all by default)
    :return: a list of dicts with ``kind``, ``quote`` and, by kind, ``amount``
        (budget), ``date`` (timing, next step), ``name`` (authority,
        competitor) or ``topic`` (objection)
    """
    text = (text or "")[:MAX_CHARS]
    if not text.strip() or is_auto_reply(text, message_type):
        return []
    words = own_words(text)
    lang = guess_lang(" " + words + " ")
    facts = []
    seen = set()
    for sentence in sentences(words):
        # A sentence is read on its first MAX_SENTENCE characters: a longer
        # one is no business sentence, and reading it whole costs more than
        # its length (a crafted note of 17,000 characters took 9 s).
        sentence = sentence[:MAX_SENTENCE]
        for fact in read_sentence(sentence, date, author_role, lang, competitors):
            if author_role != "customer" and message_type != "note" and fact["kind"] == "budget":
                continue
            if kinds is not None and fact["kind"] not in kinds:
                continue
            key = (
                fact["kind"],
                fact.get("amount"),
                fact.get("date"),
                fold(fact.get("name") or ""),
                fact.get("topic"),
            )
            if key in seen:
                continue
            seen.add(key)
            fact["quote"] = sentence[:1000]
            facts.append(fact)
    return facts
