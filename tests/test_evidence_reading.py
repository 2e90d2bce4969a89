# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The exchanges' reader on its own (no database): the forms of amounts and
dates, the traps that must read as nothing, and the targets on the labelled
corpus (tests/data/evidence_corpus.json)."""

import datetime
import os

from odoo.tests import BaseCase, tagged

from ..models.evidence.reading import read_message
from ..models.evidence.reading.amounts import amounts
from ..models.evidence.reading.dates import find_dates
from ..models.evidence.reading.metrics import evaluate, load

CORPUS = os.path.join(os.path.dirname(__file__), "data", "evidence_corpus.json")
MONDAY = datetime.date(2026, 1, 12)


def _facts(text, **kwargs):
    kwargs.setdefault("competitors", ["Sellsy", "HubSpot"])
    return [
        (
            fact["kind"],
            fact.get("amount") or fact.get("date") or fact.get("name") or fact.get("topic"),
        )
        for fact in read_message(text, kwargs.pop("date", MONDAY), **kwargs)
    ]


@tagged("post_install", "-at_install")
class TestEvidenceReading(BaseCase):
    def test_amounts(self):
        cases = {
            "40 k€": 40000,
            "40 000 € HT": 40000,
            "1,2 M€": 1200000,
            "quarante mille euros": 40000,
            "$50k": 50000,
            "EUR 22,500": 22500,
            "entre 30 et 40 k€": 40000,
            "25-30k EUR": 30000,
            "between 60k and 90k euros": 90000,
        }
        for text, value in cases.items():
            with self.subTest(text=text):
                lang = "en" if text[0] in "$Eb" else "fr"
                self.assertEqual(max(v for v, _s, _e in amounts(text, lang, bare=True)), value)
        for text in ("01 45 67 89 10", "SIRET 552 100 554 00025", "75002 Paris", "CA de 12 M€"):
            with self.subTest(text=text):
                self.assertEqual(amounts(text, "fr", bare=True), [])

    def test_dates(self):
        cases = {
            "avant fin mars": "2026-03-31",
            "d'ici le 15 avril": "2026-04-15",
            "au T2": "2026-06-30",
            "dans 3 semaines": "2026-02-02",
            "jeudi prochain": "2026-01-15",
            "by end of Q3": "2026-09-30",
            "next Thursday": "2026-01-15",
            "la semaine prochaine": "2026-01-19",
            "fin du mois": "2026-01-31",
            "avant fin décembre": "2026-12-31",
            # a year written is kept (this year to ten years ahead)
            "le 15 avril 2031": "2031-04-15",
            "by March 1, 2027": "2027-03-01",
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_dates(text, MONDAY)[0][0].isoformat(), expected)
        # a year written out of that range is no commitment: no date
        for text in ("by December 31, 9999", "on January 1, 0001", "le 1er mars 1900"):
            with self.subTest(text=text):
                self.assertEqual(find_dates(text, MONDAY), [])
        # a month already over is next year's
        self.assertEqual(
            find_dates("avant fin mars", datetime.date(2026, 5, 4))[0][0].isoformat(), "2027-03-31"
        )

    def test_the_issue_sentence(self):
        self.assertEqual(
            _facts(
                "Notre budget est de 40 k€ HT, c'est notre DG qui signe, "
                "on veut démarrer avant fin mars."
            ),
            [("budget", 40000), ("authority", "DG"), ("timing", datetime.date(2026, 3, 31))],
        )

    def test_traps_read_nothing(self):
        traps = [
            "Pour l'instant pas de budget défini.",
            "Si jamais le budget est validé, on pourrait mettre 50 k€.",
            "If we had budget we would sign next week.",
            "Ok.\n\nLe lun. 12 janv. 2026 à 10:02, Claire <c@x.example> a écrit :\n> Budget 45 k€",
            "Ok.\n> Our budget is $40k",
            "Noted.\n\nDe : Claire\nEnvoyé : lundi\nObjet : RE\n\nNotre budget est de 20 k€.",
            "Merci.\n-- \nJulie Bernard\nDirectrice générale, c'est elle qui signe",
            "Thanks.\nCordialement,\nPaul\nDG - signe les contrats",
            "Réponse automatique : je suis absent du 3 au 14 février.",
            "Out of office until next Monday.",
            "Notre CA de 12 M€ progresse.",
            "Appelez le 06 12 34 56 78, SIRET 552 100 554 00025, 75002 Paris.",
            "Facture FA-2025-1187 de 1 250 € réglée, commande n° 45012.",
        ]
        for text in traps:
            with self.subTest(text=text):
                self.assertEqual(_facts(text), [])
        self.assertEqual(_facts("Le budget est de 30 k€.", message_type="auto_reply"), [])

    def test_our_price_is_not_a_budget(self):
        text = "Notre proposition s'élève à 38 500 € HT. Je vous appelle jeudi."
        self.assertEqual(
            _facts(text, author_role="salesperson"),
            [("next_step", datetime.date(2026, 1, 15))],
        )

    def test_competitors_and_objections(self):
        self.assertEqual(
            _facts("On regarde aussi Sellsy. We're also talking to Karlia. C'est trop cher."),
            [("competitor", "Sellsy"), ("competitor", "Karlia"), ("objection", "price")],
        )

    def test_huge_and_odd_input(self):
        # only the first 20,000 characters are read
        text = "Bla bla. " * 3000 + "Notre budget est de 40 k€."
        self.assertEqual(_facts(text), [])
        self.assertEqual(_facts("Notre budget est de 40 k€. " + "x" * 50000), [("budget", 40000)])
        self.assertEqual(_facts(""), [])
        self.assertEqual(_facts("Unser Budget beträgt 40.000 €, 我们的预算"), [("budget", 40000)])
        # no budget of nothing or of more than a hundred billion
        self.assertEqual(_facts("Notre budget est de 0 €."), [])
        self.assertEqual(_facts("Notre budget est de 999 999 999 999 999 999 €."), [])
        # a name introduced by a cue is four words at most
        self.assertEqual(
            _facts("We are also talking to " + "Abc " * 5000),
            [("competitor", "Abc Abc Abc Abc")],
        )

    def test_a_sentence_is_read_on_its_first_600_characters(self):
        # A crafted note of one endless sentence (17,000 characters took 9 s
        # to read whole) is read on its beginning only.
        names = " ".join(["Aaaaaa"] * 2500)
        self.assertEqual(_facts(f"The decision is made by {names}."), [])
        padding = "et " * 300
        self.assertEqual(_facts(f"Notre budget est de 40 k€ {padding}."), [("budget", 40000)])
        self.assertEqual(_facts(f"Notre {padding} budget est de 40 k€."), [])

    def test_corpus_targets(self):
        corpus = load(CORPUS)
        self.assertGreaterEqual(len(corpus["messages"]), 150)
        counts, _mistakes = evaluate(corpus)
        for kind, count in counts.items():
            with self.subTest(kind=kind):
                self.assertGreaterEqual(count["precision"], 0.9)
                self.assertGreaterEqual(count["recall"], 0.8)
