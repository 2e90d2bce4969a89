# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import os

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import MODULE, load_french, untranslated_terms

I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


@tagged("post_install", "-at_install")
class TestFrench(TransactionCase):
    def test_every_string_is_translated_to_french(self):
        """Every translatable term of the add-on, as exported from the running
        code and data, has a French translation in i18n/fr.po."""
        terms, missing = untranslated_terms(self.env.cr, MODULE, os.path.join(I18N_DIR, "fr.po"))
        self.assertGreater(len(terms), 40)
        self.assertEqual(missing, [], "terms without a French translation in i18n/fr.po")

    def test_errors_speak_french(self):
        load_french(self.env)
        lead = self.env["crm.lead"].create(
            {"name": "Affaire", "type": "opportunity", "expected_revenue": 100}
        )
        with self.assertRaises(UserError) as error:
            lead.with_context(lang="fr_FR").action_set_lost()
        self.assertEqual(
            str(error.exception),
            "Une opportunité ne peut être marquée comme perdue qu'avec un motif de perte. "
            "Utilisez le bouton « Perdu » et choisissez un motif pour : Affaire.",
        )
        urgency = self.env["crm.lead"].with_context(lang="fr_FR")._fields["urgency"]
        self.assertEqual(
            dict(urgency._description_selection(self.env(context={"lang": "fr_FR"}))),
            {"0": "Faible", "1": "Normale", "2": "Haute", "3": "Critique"},
        )

    def test_short_french_column_headers(self):
        """The narrow tables read in French with short headers, not cut: the
        review's pushed deals and recommended methods, a deal's stage history,
        the follow-up delays of the settings (no "(jours)" before "jours")."""
        load_french(self.env)
        env = self.env(context={"lang": "fr_FR"})

        def headers(model, view_xmlid, path):
            view = env.ref(view_xmlid) if view_xmlid else None
            arch = env[model].get_views([(view.id if view else False, "form")])["views"]["form"][
                "arch"
            ]
            return [
                node.get("string") or node.get("name")
                for node in etree.fromstring(arch).xpath(path)
            ]

        review = "crm_pipeline_pilot.crm_pipeline_review_view_form"
        self.assertEqual(
            headers(
                "crm.pipeline.review",
                review,
                "//field[@name='pushed_change_ids']/list/field",
            ),
            ["lead_id", "user_id", "Du", "Au", "Jours", "slip_reason_id", "date_changed"],
        )
        self.assertEqual(
            headers(
                "crm.pipeline.review",
                review,
                "//field[@name='backtest_recommendation_ids']/list/field",
            ),
            ["team_id", "method", "Écart (%)", "bias", "hit_rate", "Mois", "backtest_id"],
        )
        self.assertEqual(
            headers(
                "crm.lead",
                "crm.crm_lead_view_form",
                "//field[@name='stage_history_ids']/list/field[@name='days' or "
                "@name='amount_revised']",
            ),
            ["Jours", "Révisé"],
        )
        self.assertEqual(
            headers(
                "res.config.settings",
                "base.res_config_settings_view_form",
                "//label[starts-with(@for, 'pilot_follow_up_')]",
            ),
            ["Première relance", "Deuxième relance", "Escalade au responsable d'équipe"],
        )

    def test_short_french_list_headers_of_the_managers_lists(self):
        """The win rates of the exit criteria and the forecast submissions
        read whole at 1440 pixels in French: short headers, the rates wide
        enough, the team of the stage hidden (the stage names the pipeline),
        no adjusted forecast of 0 on a salesperson's row."""
        load_french(self.env)
        env = self.env(context={"lang": "fr_FR"})

        def columns(model, view_xmlid, names):
            view = env.ref(view_xmlid)
            arch = env[model].get_views([(view.id, "list")])["views"]["list"]["arch"]
            nodes = etree.fromstring(arch).xpath("/list/field")
            return [
                (node.get("string"), node.get("width"), node.get("optional"), node.get("invisible"))
                for node in nodes
                if node.get("name") in names
            ]

        self.assertEqual(
            columns(
                "crm.stage.exit.criterion.stat",
                "crm_pipeline_pilot.crm_stage_exit_criterion_stat_view_list",
                (
                    "team_id",
                    "met_win_rate",
                    "met_count",
                    "not_met_win_rate",
                    "not_met_count",
                    "lift",
                ),
            ),
            [
                (None, None, "hide", None),
                ("Succès si validé (%)", "150px", None, "not met_count"),
                ("Validé", None, None, None),
                ("Succès si manquant (%)", "170px", None, "not not_met_count"),
                ("Manquant", None, None, None),
                ("Écart (pts)", None, None, "verdict == 'insufficient'"),
            ],
        )
        self.assertEqual(
            columns(
                "crm.forecast.submission",
                "crm_pipeline_pilot.crm_forecast_submission_view_list",
                ("closed_amount", "team_adjusted_amount"),
            ),
            [
                ("Clôturé", None, "show", None),
                ("Ajustée", None, "show", "not team_adjusted_amount"),
            ],
        )

    def test_review_key_figures_keep_their_width(self):
        """The review's key figures are never cut by a long action text: each
        has a width of its own, the action takes the rest and wraps."""
        view = self.env.ref("crm_pipeline_pilot.crm_pipeline_review_view_form")
        arch = self.env["crm.pipeline.review"].get_views([(view.id, "form")])["views"]["form"][
            "arch"
        ]
        nodes = etree.fromstring(arch).xpath("//field[@name='line_ids']/list/field")
        self.assertEqual(
            {node.get("name"): node.get("width") for node in nodes if node.get("width")},
            {
                "team_id": "120px",
                "kpi_id": "180px",
                "current_display": "115px",
                "target_display": "115px",
                "gap_display": "115px",
                "status": "120px",
                "trend": "100px",
            },
        )
        self.assertIsNone(nodes[[node.get("name") for node in nodes].index("action")].get("width"))
