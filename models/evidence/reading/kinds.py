# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a sentence says, kind by kind: budget, decision maker (authority),
timing, competitor, objection (by topic) and next step. Every cue is matched
on the sentence lowered and without accents (see ``text.fold``)."""

import re

from .amounts import amounts
from .dates import find_dates
from .text import clauses, fold

MAX_BUDGET = 1e11
MAX_NAME = 100

# A sentence that is a hypothesis or denies what it names is not a fact.
HYPOTHETICAL = re.compile(
    r"\bsi\s+(?!tout\b)(?:jamais|nous|on|le|la|les|l'|un|une|vous|c'|ils?|elles?)"
    r"|\bs'il\b|\bif\s+(?!all\b)(?:we|the|it|they|you|there|ever|our|a)\b|\bhypothet"
    r"|\bwould\s+(?:probably|be)\b|\baurions\b|\bsupposing\b|\bau\s+cas\s+ou\b"
)
# "Would it help if we met on…" proposes, it does not suppose.
POLITE_IF = re.compile(r"\b(?:would\s+it\s+(?:help|work|suit\s+you)|what|how\s+about)\s+if\b")
NO_BUDGET = re.compile(
    r"\b(?:pas|plus|aucun|sans)\s+(?:encore\s+)?(?:de\s+|d')?budget|budget\s+(?:non|pas)\s"
    r"|\bno\s+(?:idea\s+(?:yet\s+)?(?:on|about)\s+)?budget|\bdon't\s+have\s+(?:a\s+|any\s+)?budget"
    r"|\bdo\s+not\s+have\s+(?:a\s+|any\s+)?budget|\bno\s+budget|\bnot\s+(?:yet\s+)?budgeted"
    r"|\bbudget\s+(?:is\s+)?(?:not|isn't)\s|\bn'(?:a|avons|ont)\s+pas\s+(?:encore\s+)?(?:de\s+)?budget"
)
BUDGET_CUE = re.compile(
    r"budget|enveloppe|allou|consacrer|prevu|prevoyons|disposons|depenser|investir|monter\s+jusqu"
    r"|jusqu'a|\bspend|set\s+aside|allocat|earmark|stretch\s+to|afford|up\s+to\b|invest"
)
_ROLES = (
    r"(?:pdg|dg|daf|dsi|drh|ceo|cfo|cto|coo|cio|cmo"
    # the longest titles first: "directeur général", not "directeur"
    r"|directeur\s+general|directrice\s+generale|directeur\s+financier"
    r"|directrice\s+financiere|directeur\s+administratif(?:\s+et\s+financier)?"
    r"|directrice\s+administrative(?:\s+et\s+financiere)?|directeur|directrice"
    r"|president|presidente|gerant|gerante"
    r"|patron|patronne|associes?|comite\s+de\s+direction|comite\s+d'investissement|codir"
    r"|conseil\s+d'administration|comite|direction\s+generale|responsable\s+des\s+achats"
    r"|acheteur|acheteuse|managing\s+director|general\s+manager|board(?:\s+of\s+directors)?"
    r"|steering\s+committee|committee|vp(?:\s+(?:of\s+)?\w+)?|vice\s+president(?:\s+\w+)?"
    r"|head\s+of\s+\w+|director(?:\s+of\s+\w+)?|manager|boss|owner|founders?|partners?"
    r"|chief\s+\w+\s+officer)"
)
AUTHORITY_CUE = re.compile(
    r"\bsign|\bvalid|\bdecid|\bdecision|\btranch|\bapprouv|\bapprov|\barbitr|\bl'avis\s+de"
    r"|\bl'accord\s+de|\bfinal\s+say|\bmake\s+the\s+call|\bcheck\s+with|\bsign[- ]off"
    r"|\bgo-ahead|\bapproval|\bdecideur"
)
_ROLE_AFTER_POSSESSIVE = re.compile(
    rf"\b(?:notre|nos|mon|ma|mes|le|la|les|l'|our|my|the|their|leur|a|son|sa|his|her)\s*{_ROLES}\b"
)
_PERSON = re.compile(
    r"\b(?:(?:M\.|Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+[A-ZÀ-Ý][\w'-]+"
    r"|[A-ZÀ-Ý][a-zà-ÿ]+\s+[A-ZÀ-Ý][a-zà-ÿ'-]+)"
)
_NOT_PERSON_WORDS = {
    "bonjour",
    "merci",
    "notre",
    "nous",
    "our",
    "we",
    "the",
    "hi",
    "hello",
    "dear",
    "le",
    "la",
    "les",
    "je",
    "il",
    "elle",
    "on",
    "vous",
    "c'est",
    "pour",
}

COMPETITOR_CUE = re.compile(
    r"\baussi\b|\begalement\b|\bconcurren|\ben\s+face\b|\butilis|\ben\s+discussion\s+avec"
    r"|\bcompar|\bplutot\b|\bpreferer|\balso\b|\bcompetit|\bevaluat|\blooking\s+at|\btalking\s+to"
    r"|\bcurrently\s+(?:use|using|on|with)|\bwe\s+use\b|\bversus\b|\bvs\.?\s|\binstead\s+of"
    r"|\balternative|\bshortlist|\bregard"
)
_COMPETITOR_NAME_AFTER_CUE = re.compile(
    r"(?:on\s+regarde\s+aussi|nous\s+regardons\s+aussi|en\s+concurrence\s+avec"
    r"|(?:we're|we\s+are)\s+also\s+(?:talking\s+to|looking\s+at|evaluating)"
    r"|also\s+(?:talking\s+to|looking\s+at|evaluating)|compared\s+to|compare\s+a"
    r"|egalement\s+en\s+discussion\s+avec)\s+"
)

OBJECTIONS = [
    (
        "price",
        re.compile(
            r"\btrop\s+cher|\btrop\s+chere|\btrop\s+eleve|\bprix\s+(?:est\s+)?(?:trop\s+)?eleve"
            r"|\bprix\s+(?:est\s+)?excessif|\bau-dessus\s+de\s+notre\s+budget|\bhors\s+budget"
            r"|\bdepasse\s+(?:largement\s+)?notre\s+budget|\bpas\s+les\s+moyens"
            r"|\btoo\s+expensive|\btoo\s+pricey|\b(?:over|above|beyond|exceeds?)\s+our\s+budget"
            r"|\bprice\s+is\s+(?:too\s+|very\s+)?high|\btoo\s+high|\bcan't\s+afford|\bcannot\s+afford"
            r"|\bout\s+of\s+our\s+price\s+range|\bcher\s+par\s+rapport|\bcheaper\b|\bmoins\s+cher"
        ),
    ),
    (
        "timing",
        re.compile(
            r"\bpas\s+(?:\w+\s+){0,2}avant\b|\brien\s+avant\b|\bavant\s+l'(?:an|annee)\s+prochain"
            r"|\breport(?:er|ons|e|ee)\b|\bplus\s+d'actualite|\bpas\s+(?:ce|cette)\s+(?:trimestre|annee)"
            r"|\bnot\s+(?:this|before)\s+(?:quarter|year|next)|\bbefore\s+next\s+year"
            r"|\bpostpon|\bon\s+hold\b|\bnot\s+until\b|\bpush(?:ed)?\s+(?:it\s+)?back|\bnot\s+now\b"
        ),
    ),
    (
        "priority",
        re.compile(
            r"\bpas\s+une\s+priorite|\bpas\s+(?:\w+\s+)?prioritaire|\bnot\s+a\s+priority"
            r"|\blow\s+priority|\bautres\s+(?:chantiers|priorites)|\bother\s+priorities"
            r"|\bpas\s+le\s+moment|\bnot\s+(?:a\s+)?(?:top\s+)?priority"
        ),
    ),
    (
        "features",
        re.compile(
            r"\bil\s+manque|\bmanque\s+(?:de\s+|d'|un|une|le|la|les)|\bn'existe\s+pas|\bpas\s+disponible"
            r"|\bne\s+gere\s+pas|\bmissing\b|\bnot\s+available|\black(?:s|ing)?\b|\bdoesn't\s+support"
            r"|\bdoes\s+not\s+support|\bno\s+(?:native\s+)?(?:api|integration|offline)"
        ),
    ),
    (
        "trust",
        re.compile(
            r"\breferences?\b|\bpas\s+(?:sur|surs|sure|sures|certains?)\s+que\s+vous"
            r"|\bnot\s+sure\s+(?:you|your)|\baucune\s+garantie|\bjeune\s+societe|\bcan't\s+deliver"
            r"|\bcannot\s+deliver|\btrack\s+record|\bconfiance\b|\bcredibilit|\bcase\s+stud"
            r"|\bno\s+guarantee|\btenir\s+les\s+delais"
        ),
    ),
]

NEXT_STEP_CUE = re.compile(
    r"\brappel|\bappel|\brendez-vous|\brdv\b|\breunion|\bdemo\b|\bdemonstration|\bon\s+se\s+voit"
    r"|\bse\s+voir|\bon\s+en\s+reparle|\breparler|\bfaire\s+le\s+point|\bfait\s+le\s+point"
    r"|\bon\s+fait\s+le\s+point|\brelance|\bvisio|\bprochaine\s+etape|\bje\s+vous\s+redis"
    r"|\brevien[ts]?\s+vers\s+vous|\benvoy|\btelephon"
    r"|\bcall\b|\bcall\s+back|\bmeet|\bmet\b|\bmeeting|\bdemo\b|\btalk\b"
    r"|\bget\s+back\s+to|\bfollow[- ]up"
    r"|\bnext\s+step|\bcatch\s+up|\bsend\b|\bvisit|\bworkshop|\batelier"
)
SEND_REQUEST = re.compile(
    r"(?:envoy\w*|transmett\w*|faire\s+parvenir|send|share)\b[^.?!]{0,40}"
    r"\b(?:proposition|devis|offre|contrat|quote|proposal|contract|pricing)"
)
TIMING_CUE = re.compile(
    r"\bdemarr|\blanc(?:er|ement|ons)|\bmise\s+en\s+(?:production|place|service|route)"
    r"|\boperationnels?|\bsign(?:er|ature|e)|\bdecision|\bdecid|\bdeploi|\bdeploy|\bgo[- ]live"
    r"|\bbe\s+live|\blive\s+by|\bstart\b|\bstarted|\bkick\s+off|\blaunch|\bup\s+and\s+running"
    r"|\bsign\b|\bdeadline|\brollout|\bin\s+place|\ben\s+place|\bbascul|\bechean"
    r"|\bcommence|\bbegin|\bbuy\b|\bpurchase|\bacheter|\bcommander|\bdeliver|\blivr"
)
# "Merci pour votre visite de mardi", "thanks for Tuesday's call": a meeting
# that took place, not a next step (its weekday would read as the next one).
_PAST_EVENT = re.compile(r"\bmerci\s+(?:pour|de|d')|\bthanks?\s+(?:you\s+)?(?:again\s+)?for\b")
# "Our fiscal year starts in July" is a calendar, not a project's date.
_NOT_TIMING = re.compile(r"\bfiscal\s+year|\bexercice\s+(?:fiscal|comptable)?")


def _budget(sentence, folded, lang):
    if not BUDGET_CUE.search(folded) or NO_BUDGET.search(folded):
        return []
    # nothing, or more than a hundred billion, is no budget
    found = [value for value, _start, _end in amounts(sentence, lang, bare=True)]
    found = [value for value in found if 0 < value <= MAX_BUDGET]
    if not found:
        return []
    return [{"kind": "budget", "amount": max(found)}]


def _authority(sentence, folded):
    if not AUTHORITY_CUE.search(folded):
        return []
    parts = clauses(sentence)
    for index, clause in enumerate(parts):
        for match in _PERSON.finditer(clause):
            words = match.group().split()
            at_start = index == 0 and match.start() == 0
            if words[0].lower() in _NOT_PERSON_WORDS or (at_start and "." not in words[0]):
                continue
            # the person's own clause or an apposition next to it names the role
            near = fold(" , ".join(parts[max(0, index - 1) : index + 2]))
            if re.search(rf"\b{_ROLES}\b", near):
                return [{"kind": "authority", "name": match.group()}]
    match = _ROLE_AFTER_POSSESSIVE.search(folded)
    if not match:
        return []
    start = match.start() + len(re.match(r"\S+\s*", match.group()).group())
    name = sentence[start : match.end()].strip()
    if name.lower() in ("manager", "comite", "comité") and not re.search(
        r"\b(?:mon|ma|my|our|notre|le|la|the)\s+(?:manager|comit)", folded
    ):
        return []
    name = name[:MAX_NAME]
    return [{"kind": "authority", "name": name if len(name) > 4 else name.upper()}]


def _competitors(sentence, folded, competitors):
    found = []
    for name in competitors:
        match = re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded)
        if match and COMPETITOR_CUE.search(folded[: match.start()]):
            found.append(name)
    for clause in clauses(sentence):
        folded_clause = fold(clause)
        cue = _COMPETITOR_NAME_AFTER_CUE.search(folded_clause)
        if cue:
            after = clause[cue.end() :]
            # a name: up to four capitalised words
            name = re.match(r"([A-Z][\w&-]{0,40}(?:\.\w+)?(?:\s+[A-Z][\w&-]{0,40}){0,3})", after)
            if name and fold(name.group(1)) not in {fold(known) for known in found}:
                found.append(name.group(1))
    seen = []
    for name in found:
        if name not in seen:
            seen.append(name)
    return [{"kind": "competitor", "name": name} for name in seen]


def _objections(folded):
    return [
        {"kind": "objection", "topic": topic} for topic, cue in OBJECTIONS if cue.search(folded)
    ]


def _dated(sentence, base, author_role):
    """Timing and next step: the first date of a clause, a next step when the
    clause speaks of a call, a meeting or something to send, a timing when it
    speaks of starting, deciding or signing."""
    facts = []
    for clause in clauses(sentence):
        folded_clause = fold(clause)
        dates = find_dates(clause, base)
        if not dates:
            continue
        date = dates[0][0]
        if date < base or _PAST_EVENT.search(folded_clause):
            continue
        if NEXT_STEP_CUE.search(folded_clause):
            facts.append({"kind": "next_step", "date": date})
        elif TIMING_CUE.search(folded_clause) and not _NOT_TIMING.search(
            folded_clause[max(0, dates[0][1] - 30) : dates[0][1]]
        ):
            facts.append({"kind": "timing", "date": date})
    if not any(fact["kind"] == "next_step" for fact in facts) and SEND_REQUEST.search(
        fold(sentence)
    ):
        if author_role == "customer" or re.search(
            r"\bnext\s+step|prochaine\s+etape", fold(sentence)
        ):
            facts.append({"kind": "next_step", "date": None})
    return facts


def read_sentence(sentence, base, author_role="customer", lang="fr", competitors=()):
    """The facts of one sentence of the author's own words."""
    folded = fold(sentence)
    if HYPOTHETICAL.search(POLITE_IF.sub(" ", folded)):
        return []
    facts = []
    if author_role == "customer" or not _is_our_offer(folded):
        facts += _budget(sentence, folded, lang)
    facts += _authority(sentence, folded)
    facts += _competitors(sentence, folded, competitors)
    facts += _objections(folded)
    facts += _dated(sentence, base, author_role)
    return facts


def _is_our_offer(folded):
    return bool(
        re.search(
            r"\bnotre\s+(?:offre|proposition|devis|tarif|prix)|\bour\s+(?:offer|quote|proposal|price)"
            r"|\bdevis\s+de\b|\bcomes\s+to\b|\bs'eleve\b|\bsubscription|\babonnement",
            folded,
        )
    )
