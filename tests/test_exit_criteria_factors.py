# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Probabilities that explain themselves: the win rates of the closed
opportunities that met each exit criterion versus those that did not, from a
history built by hand where every rate is known."""

import re
from datetime import timedelta
from html import unescape

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..models.crm_lead import TRUSTED
from ..models.exit_criteria.crm_stage_exit_criterion_stat import verdict
from .common import PilotCommon, load_french


def factor_lines(html):
    """The lines of the factors, as text."""
    return [
        unescape(re.sub(r"<[^>]+>", "", line))
        for line in re.findall(r"<li[^>]*>(.*?)</li>", html or "")
    ]


class FactorsCommon:
    """A hand-built history in stage "Factors A" (company A unless stated):

    ======  =====  ========  ==========  =========
    leads   won    M ticked  partner     revenue
    ======  =====  ========  ==========  =========
    0-7     won    0-5       0 2 4 6     20000: 0
    8-19    lost   8-11      8 10 ... 18 20000: 8 9
    ======  =====  ========  ==========  =========

    - M (manual, "Decision maker identified"): met 10 (6 won) = 60 %, not
      met 10 (2 won) = 20 %: lift 40 points, predicts wins;
    - F (field partner_id, "Customer set"): met 10 (4 won) = 40 %, not met
      10 (4 won) = 40 %: lift 0, paperwork;
    - D (domain revenue >= 20000, "Large deal"): met 3 (1 won), not met 17
      (7 won): not enough data.

    Not counted: a won deal closed 13 months ago, an open deal in the stage,
    a lost deal that never stayed in the stage; a won deal of company B
    counts for company B only."""

    @classmethod
    def _build_history(cls):
        env = cls.env
        cls.company_a = env.company
        cls.company_b = env["res.company"].create({"name": "Factors Company B"})
        cls.team_b = env["crm.team"].create(
            {"name": "Factors Team B", "company_id": cls.company_b.id}
        )
        Stage = env["crm.stage"]
        cls.stage_a = Stage.create({"name": "Factors A", "sequence": 901})
        cls.stage_b = Stage.create({"name": "Factors B", "sequence": 902})
        cls.stage_won = Stage.create({"name": "Factors Won", "sequence": 903, "is_won": True})
        Criterion = env["crm.stage.exit.criterion"]
        cls.c_manual = Criterion.create(
            {
                "name": "Decision maker identified",
                "stage_id": cls.stage_a.id,
                "criterion_type": "manual",
                "sequence": 1,
            }
        )
        cls.c_field = Criterion.create(
            {
                "name": "Customer set",
                "stage_id": cls.stage_a.id,
                "criterion_type": "field",
                "field_id": env.ref("crm.field_crm_lead__partner_id").id,
                "sequence": 2,
            }
        )
        cls.c_domain = Criterion.create(
            {
                "name": "Large deal",
                "stage_id": cls.stage_a.id,
                "criterion_type": "domain",
                "domain": "[('expected_revenue', '>=', 20000)]",
                "sequence": 3,
            }
        )
        cls.partner = env["res.partner"].create({"name": "Factors Customer"})
        cls.trusted = env["crm.lead"].sudo().with_context(pilot_skip_exit_criteria=TRUSTED)
        for index in range(20):
            cls._closed_deal(
                f"Factors {index}",
                won=index < 8,
                manual=index < 6 or 8 <= index < 12,
                partner=index % 2 == 0,
                revenue=20000 if index in (0, 8, 9) else 1000,
            )
        old = cls._closed_deal("Factors old", won=True, manual=True, partner=True)
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET date_closed = %s WHERE id = %s",
            [fields.Datetime.now() - relativedelta(months=13), old.id],
        )
        old.invalidate_recordset(["date_closed"])
        cls.open_lead = cls._deal("Factors open", manual=True, partner=True)
        elsewhere = cls._deal("Factors elsewhere", stage=cls.stage_b)
        elsewhere.action_set_lost(lost_reason_id=cls.reason.id)
        cls._closed_deal(
            "Factors B won", won=True, manual=True, partner=True, company=cls.company_b
        )

    @classmethod
    def _deal(cls, name, stage=None, manual=False, partner=False, revenue=1000, company=None):
        company = company or cls.company_a
        return cls.trusted.create(
            {
                "name": name,
                "type": "opportunity",
                "team_id": (cls.team_b if company == cls.company_b else cls.team).id,
                "company_id": company.id,
                "user_id": cls.salesman.id if company == cls.company_a else False,
                "stage_id": (stage or cls.stage_a).id,
                "expected_revenue": revenue,
                "partner_id": cls.partner.id if partner else False,
                "confirmed_criterion_ids": [(6, 0, cls.c_manual.ids if manual else [])],
            }
        )

    @classmethod
    def _closed_deal(cls, name, won, **values):
        lead = cls._deal(name, **values)
        if won:
            lead.write({"stage_id": cls.stage_won.id})
        else:
            lead.action_set_lost(lost_reason_id=cls.reason.id)
        return lead

    def _rows(self, stage=None, company=None):
        stats = self.env["crm.stage.exit.criterion.stat"].search(
            [
                ("stage_id", "=", (stage or self.stage_a).id),
                ("company_id", "=", (self.company_a if company is None else company).id),
            ]
        )
        return [
            (
                stat.criterion_id.name,
                stat.met_count,
                stat.met_won_count,
                stat.not_met_count,
                stat.not_met_won_count,
                round(stat.met_win_rate, 2),
                round(stat.not_met_win_rate, 2),
                round(stat.lift, 2),
                stat.verdict,
            )
            for stat in stats
        ]


@tagged("post_install", "-at_install")
class TestExitCriteriaFactors(FactorsCommon, PilotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._build_history()
        cls.env["crm.stage.exit.criterion.stat"]._pilot_refresh()

    def test_report_rows(self):
        self.assertEqual(
            self._rows(),
            [
                ("Decision maker identified", 10, 6, 10, 2, 60.0, 20.0, 40.0, "predictive"),
                ("Customer set", 10, 4, 10, 4, 40.0, 40.0, 0.0, "paperwork"),
                # Stored with one decimal: 33.33, 41.18 and -7.84 (from the unrounded rates).
                ("Large deal", 3, 1, 17, 7, 33.3, 41.2, -7.8, "insufficient"),
            ],
        )
        stat = self.env["crm.stage.exit.criterion.stat"].search(
            [("criterion_id", "=", self.c_manual.id), ("company_id", "=", self.company_a.id)]
        )
        self.assertEqual(
            (stat.min_sample, stat.months, stat.team_id, stat.criterion_type),
            (10, 12, self.env["crm.team"], "manual"),
        )

    def test_list_hides_rates_without_sample_and_lifts_below_the_minimum(self):
        """The list shows each rate beside its sample size: no rate over no
        deal (not "0 %"), no lift when a side is below the minimum sample."""
        arch = self.env["crm.stage.exit.criterion.stat"].get_views([(False, "list")])["views"][
            "list"
        ]["arch"]
        root = etree.fromstring(arch)
        names = ("met_win_rate", "met_count", "not_met_win_rate", "not_met_count", "lift")
        self.assertEqual(
            {
                name: root.xpath(f"//list/field[@name='{name}']")[0].get("invisible")
                for name in names
            },
            {
                "met_win_rate": "not met_count",
                "met_count": None,
                "not_met_win_rate": "not not_met_count",
                "not_met_count": None,
                "lift": "verdict == 'insufficient'",
            },
        )

    def test_companies_are_separate(self):
        self.assertEqual(
            self._rows(company=self.company_b),
            [
                ("Decision maker identified", 1, 1, 0, 0, 100.0, 0.0, 100.0, "insufficient"),
                ("Customer set", 1, 1, 0, 0, 100.0, 0.0, 100.0, "insufficient"),
                ("Large deal", 0, 0, 1, 1, 0.0, 100.0, -100.0, "insufficient"),
            ],
        )

    def test_minimum_sample_and_lift_are_settings(self):
        self.company_a.pilot_factor_min_sample = 11
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        self.assertEqual(
            [row[-1] for row in self._rows()], ["insufficient", "insufficient", "insufficient"]
        )
        self.company_a.write({"pilot_factor_min_sample": 10, "pilot_factor_min_lift": 40.01})
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        self.assertEqual(
            [row[-1] for row in self._rows()], ["paperwork", "paperwork", "insufficient"]
        )

    def test_window_of_months(self):
        """With a window of 1 month, the deals closed now still count; the one
        closed 13 months ago counts with a window of 14 months."""
        self.company_a.pilot_factor_months = 14
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        self.assertEqual(self._rows()[0][1:5], (11, 7, 10, 2))
        self.company_a.pilot_factor_months = 1
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        self.assertEqual(self._rows()[0][1:5], (10, 6, 10, 2))
        # Computed at a date before the deals closed: none of them counts.
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh(
            fields.Datetime.now() - timedelta(days=1)
        )
        self.assertEqual(self._rows(), [])
        # Each criterion gets a line with nothing claimed (the stage belongs
        # to no team: no company).
        self.assertEqual(
            self._rows(company=self.env["res.company"]),
            [
                (name, 0, 0, 0, 0, 0.0, 0.0, 0.0, "insufficient")
                for name in ("Decision maker identified", "Customer set", "Large deal")
            ],
        )
        lead = self.open_lead.with_user(self.salesman)
        self.assertEqual(
            factor_lines(lead.exit_criteria_factors)[0],
            "Decision maker identified: not enough history (n < 10)",
        )

    def test_refresh_is_set_based(self):
        """One query for the closed deals, one search per criterion: more
        closed deals, the same number of queries."""
        Stat = self.env["crm.stage.exit.criterion.stat"]

        def queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Stat._pilot_refresh()
            return self.env.cr.sql_log_count - before

        queries()  # registry caches warmed up
        first = queries()
        for index in range(6):
            self._closed_deal(f"Factors more {index}", won=index % 2 == 0, manual=True)
        self.env.flush_all()
        self.assertEqual(queries(), first)
        self.assertEqual(self._rows()[0][1:5], (16, 9, 10, 2))

    def test_verdict_thresholds(self):
        self.assertEqual(verdict(10, 10, 10.0, 10, 10.0), "predictive")
        self.assertEqual(verdict(10, 10, 9.99, 10, 10.0), "paperwork")
        self.assertEqual(verdict(10, 10, -9.99, 10, 10.0), "paperwork")
        self.assertEqual(verdict(10, 10, -10.0, 10, 10.0), "against")
        self.assertEqual(verdict(9, 50, 80.0, 10, 10.0), "insufficient")
        self.assertEqual(verdict(50, 9, 80.0, 10, 10.0), "insufficient")

    def test_bad_settings_refused(self):
        for vals in (
            {"pilot_factor_min_sample": 0},
            {"pilot_factor_months": 0},
            {"pilot_factor_min_lift": 0},
            {"pilot_factor_min_lift": 101},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.company_a.write(vals)
        self.assertEqual(
            (self.company_a.pilot_factor_min_sample, self.company_a.pilot_factor_months),
            (10, 12),
        )

    def test_form_factors_in_english(self):
        lead = self.open_lead.with_user(self.salesman).with_context(lang="en_US")
        self.assertEqual(
            factor_lines(lead.exit_criteria_factors),
            [
                "Decision maker identified: won 60 % of the time vs 20 % when not met "
                "(10 and 10 closed opportunities)",
                "Customer set: won 40 % of the time vs 40 % when not met "
                "(10 and 10 closed opportunities)",
                "Large deal: only 3 closed opportunities with it to compare (10 needed)",
            ],
        )
        self.assertIn("o_pilot_factor_predictive", lead.exit_criteria_factors)

    def test_form_factors_in_french(self):
        load_french(self.env)
        self.c_manual.with_context(lang="fr_FR").name = "Décisionnaire identifié"
        self.c_field.with_context(lang="fr_FR").name = "Client renseigné"
        self.c_domain.with_context(lang="fr_FR").name = "Grosse affaire"
        # A large sample, to see the French thousands separator.
        stat = self.env["crm.stage.exit.criterion.stat"].search(
            [("criterion_id", "=", self.c_field.id), ("company_id", "=", self.company_a.id)]
        )
        stat.sudo().write({"met_win_rate": 42.4, "not_met_win_rate": 18.4, "met_count": 1234})
        self.salesman.lang = "fr_FR"
        lead = self.open_lead.with_user(self.salesman).with_context(lang="fr_FR")
        self.assertEqual(
            factor_lines(lead.exit_criteria_factors),
            [
                "Décisionnaire identifié : 60\u00a0% d'affaires gagnées quand il est validé, "
                "contre 20\u00a0% quand il manque (10 et 10 opportunités clôturées)",
                "Client renseigné : 42\u00a0% d'affaires gagnées quand il est validé, "
                "contre 18\u00a0% quand il manque (1\u00a0234 et 10 opportunités clôturées)",
                "Grosse affaire : seulement 3 opportunités clôturées avec lui pour comparer "
                "(10 nécessaires)",
            ],
        )

    def test_form_says_which_side_is_missing(self):
        """Not enough history says what is missing: the closed deals without
        the criterion (45 met it, none did not), or with it, or both."""
        stat = self.env["crm.stage.exit.criterion.stat"].search(
            [("criterion_id", "=", self.c_domain.id), ("company_id", "=", self.company_a.id)]
        )
        self.assertEqual(stat.verdict, "insufficient")
        lead = self.open_lead.with_user(self.salesman).with_context(lang="en_US")
        for met, not_met, text in (
            (45, 0, "met by all 45 closed opportunities: no deal without it to compare"),
            (45, 3, "only 3 closed opportunities without it to compare (10 needed)"),
            (0, 12, "met by none of the 12 closed opportunities: no deal with it to compare"),
            (4, 12, "only 4 closed opportunities with it to compare (10 needed)"),
            (9, 9, "not enough history (n < 10)"),
        ):
            with self.subTest(met=met, not_met=not_met):
                stat.sudo().write({"met_count": met, "not_met_count": not_met})
                lead.invalidate_recordset(["exit_criteria_factors"])
                self.assertEqual(factor_lines(lead.exit_criteria_factors)[2], f"Large deal: {text}")
        load_french(self.env)
        self.salesman.lang = "fr_FR"
        stat.sudo().write({"met_count": 45, "not_met_count": 0})
        french = self.open_lead.with_user(self.salesman).with_context(lang="fr_FR")
        self.assertEqual(
            factor_lines(french.exit_criteria_factors)[2],
            "Large deal : validé par les 45 opportunités clôturées : aucune affaire sans lui "
            "pour comparer",
        )

    def test_form_reads_stored_rates_only(self):
        """The form reads the stored rates: new closed deals change nothing
        until the next refresh; a stage without criteria shows nothing."""
        lead = self.open_lead.with_user(self.salesman)
        before = lead.exit_criteria_factors
        self._closed_deal("Factors late", won=True, manual=False)
        lead.invalidate_recordset(["exit_criteria_factors"])
        self.assertEqual(lead.exit_criteria_factors, before)
        self.env["crm.stage.exit.criterion.stat"]._pilot_refresh()
        lead.invalidate_recordset(["exit_criteria_factors"])
        self.assertIn("won 60 % of the time vs 27 %", lead.exit_criteria_factors)
        lead.sudo().with_context(pilot_skip_exit_criteria=TRUSTED).stage_id = self.stage_b
        self.assertFalse(lead.exit_criteria_factors)
        lead.sudo().stage_id = self.stage_a
        self.assertTrue(lead.exit_criteria_factors)
        lead.invalidate_recordset(["exit_criteria_factors"])
        self.env.flush_all()
        with self.assertQueryCount(1):  # one read of the stored rates
            self.assertTrue(lead.exit_criteria_factors)

    def test_manager_refreshes_salesperson_cannot(self):
        Stat = self.env["crm.stage.exit.criterion.stat"]
        with self.assertRaises(AccessError):
            Stat.with_user(self.salesman).action_refresh()
        stat = Stat.search(
            [("criterion_id", "=", self.c_manual.id), ("company_id", "=", self.company_a.id)]
        )
        stat.sudo().write({"met_win_rate": 99.0, "verdict": "paperwork"})
        Stat.with_user(self.manager).action_refresh()
        self.assertEqual(self._rows()[0][5:], (60.0, 20.0, 40.0, "predictive"))
