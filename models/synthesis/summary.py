# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The key sentences of an exchange, read on the server: the author's own
words only (no quoted older message, no signature, no auto-reply), split into
sentences, each scored on what a salesperson needs before a meeting (figures,
dates, decisions, needs, objections) against pleasantries. Pure functions."""

import re
import unicodedata

import pytz
from lxml import html as lxml_html

from odoo.tools import html2plaintext
from odoo.tools.misc import format_amount, format_date, format_datetime

# What one key sentence shows at most, in characters.
SENTENCE_LENGTH = 200

# An older message quoted below the reply, from its header on.
_REPLY_HEADER = re.compile(
    r"^\s*(?:"
    r"On\b.{0,200}\bwrote\s*:"
    r"|Le\b.{0,200}\ba\s+écrit\s*:"
    r"|-{2,}\s*(?:Original Message|Message d'origine|Forwarded message|Message transféré)"
    r"|(?:From|De)\s*:.+"
    r")",
    re.IGNORECASE,
)
# The line a signature starts with: "--", or a closing formula alone on it.
_SIGNATURE = re.compile(
    r"^\s*(?:--\s*"
    r"|(?:best|kind|warm)?\s*regards\b.{0,20}"
    r"|(?:bien\s+)?cordialement\b.{0,20}"
    r"|bien\s+à\s+(?:vous|toi)\b.{0,20}"
    r"|sincerely\b.{0,20}"
    r"|sent from my .*"
    r"|envoyé (?:de|depuis) mon .*"
    r")$",
    re.IGNORECASE,
)
# An automatic answer (absence, acknowledgement): its dates are not commitments.
_AUTO_REPLY = re.compile(
    r"\b(?:auto(?:matic)?[ -]?reply|autoreply|out of (?:the )?office|"
    r"réponse automatique|absent(?:e)? du bureau|message automatique|"
    r"accusé de réception|je suis actuellement absent)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«(]?[A-ZÀ-ÖØ-Ý0-9])")

# What makes a sentence worth reading before a meeting (+) or not (-).
_FIGURE = re.compile(r"\d")
_MONEY = re.compile(r"(?:€|\$|£|\beur(?:os?)?\b|\bk€|\bht\b|\bttc\b)", re.IGNORECASE)
_KEYWORDS = re.compile(
    r"\b(?:budgets?|prix|price|pricing|tarifs?|costs?|coût|devis|quotes?|quotation|"
    r"propos(?:al|ition)|offre|offer|contra[ct]t?s?|signe[rz]?|signs?|signature|"
    r"décid\w*|decid\w*|valid\w*|approv\w*|DG|CEO|CFO|direct\w*|board|comité|"
    r"délais?|deadline|avant|before|d'ici|by|démarr\w*|start\w*|lancement|launch|"
    r"semaines?|weeks?|mois|months?|trimestre|quarter|T[1-4]|Q[1-4]|"
    r"concurren\w*|competitors?|compar\w*|"
    r"besoins?|needs?|priorit\w*|urgent\w*|problème|problem|issue|risque|risk|"
    r"trop|too|cher|expensive|inquiet\w*|concern\w*|hésit\w*|"
    r"réunion|meeting|rendez-vous|demo|démo|visite|call|appel)\b",
    re.IGNORECASE,
)
_PLEASANTRIES = re.compile(
    r"^\s*(?:bonjour|bonsoir|hello|hi|dear|cher|chère|merci|thanks?|thank you|"
    r"j'espère|i hope|hope you|ravi|pleased|n'hésitez|do not hesitate|don't hesitate|"
    r"à bientôt|see you|talk soon|have a nice|bonne (?:journée|soirée|semaine))\b",
    re.IGNORECASE,
)


def author_text(body):
    """The author's own words of an HTML message body, as plain text: the
    quoted older messages (``blockquote``, the parts mail marks as quoted,
    the lines after a reply header or starting with ``>``) and the signature
    removed."""
    if not body or not str(body).strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(str(body), create_parent="div")
    except (ValueError, TypeError):
        root = None
    if root is not None:
        for node in root.xpath(
            "//blockquote | //*[@data-o-mail-quote] | //*[@data-o-mail-quote-container]"
            " | //*[contains(concat(' ', normalize-space(@class), ' '), ' o_mail_reply_content ')]"
        ):
            if node.getparent() is not None:
                node.drop_tree()
        body = lxml_html.tostring(root, encoding="unicode")
    text = html2plaintext(body)
    lines = []
    for line in text.splitlines():
        if _REPLY_HEADER.match(line) or _SIGNATURE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def is_auto_reply(subject, text):
    """Whether a message is an automatic answer (out of office...)."""
    return bool(_AUTO_REPLY.search(subject or "") or _AUTO_REPLY.search(text or ""))


def sentences(text):
    """The sentences of a plain text: a line break or the end of a sentence
    ends one; whitespace collapsed; list markers removed."""
    result = []
    for paragraph in re.split(r"\n+", text or ""):
        paragraph = re.sub(r"^\s*(?:[-*•]\s+|\d+[.)]\s+)", "", paragraph)
        paragraph = re.sub(r"\s+", " ", paragraph).strip()
        if not paragraph:
            continue
        result.extend(part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip())
    return result


def sentence_score(sentence):
    """How worth reading before a meeting a sentence is: business words,
    figures and money count, pleasantries and very short or very long
    sentences do not. An integer; 0 or less: not a key sentence."""
    words = re.findall(r"\w+", sentence)
    if len(words) < 3:
        return 0
    score = 2 * min(len(_KEYWORDS.findall(sentence)), 3)
    score += 2 if _FIGURE.search(sentence) else 0
    score += 2 if _MONEY.search(sentence) else 0
    score += 1 if sentence.rstrip().endswith("?") else 0
    if _PLEASANTRIES.match(sentence):
        score -= 3
    if len(words) > 60:
        score -= 2
    return score


def shorten_text(text, length=SENTENCE_LENGTH):
    """``text`` cut at ``length`` characters at most, on a word, with an
    ellipsis when cut."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def key_sentences(text, limit=2):
    """The ``limit`` best sentences of ``text`` (score above 0), in the order
    they were written, each cut at SENTENCE_LENGTH characters."""
    scored = [
        (score, index, sentence)
        for index, sentence in enumerate(sentences(text))
        if (score := sentence_score(sentence)) > 0
    ]
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[: max(limit, 0)]
    return [shorten_text(sentence) for _score, _index, sentence in sorted(best, key=lambda i: i[1])]


def name_key(name):
    """A name compared without case, accents or extra spaces."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.findall(r"\w+", text.casefold()))


def decider_state(name, deciders):
    """Whether the exchanges say ``name`` decides: ``accepted`` when an
    accepted piece of evidence names them, ``suggested`` when only a
    suggested one does, None otherwise; ``deciders``: [(name, state)]. A
    name matches when one holds the other's words ("Claire Martin" and
    "Mme Claire Martin, DG")."""
    key = name_key(name)
    if len(key) < 3:
        return None
    states = set()
    for decider, state in deciders:
        other = name_key(decider)
        if len(other) >= 3 and (f" {key} " in f" {other} " or f" {other} " in f" {key} "):
            states.add(state)
    if "accepted" in states:
        return "accepted"
    return "suggested" if "suggested" in states else None


def format_moment(env, value, date_only=False):
    """A UTC datetime in the user's language and time zone: its day only
    when ``date_only``, its day and time otherwise."""
    if not value:
        return ""
    if date_only:
        tz = pytz.timezone(env.context.get("tz") or env.user.tz or "UTC")
        return format_date(env, pytz.utc.localize(value).astimezone(tz).date())
    tz = env.context.get("tz") or env.user.tz or "UTC"
    return format_datetime(env, value, tz=tz, dt_format="short")


def format_day(env, value):
    """A date in the user's language."""
    return format_date(env, value) if value else ""


def format_money(env, amount, currency):
    """An amount in the user's language with its currency."""
    return format_amount(env, amount or 0.0, currency)
