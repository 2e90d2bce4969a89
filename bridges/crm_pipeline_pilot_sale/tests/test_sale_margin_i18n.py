# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import os

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import load_french, untranslated_terms

MODULE = "crm_pipeline_pilot_sale"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


@tagged("post_install", "-at_install")
class TestSaleMarginFrench(TransactionCase):
    def test_every_string_is_translated_to_french(self):
        """Every translatable term of the bridge, as exported from the running
        code and data, has a French translation in its i18n/fr.po."""
        terms, missing = untranslated_terms(self.env.cr, MODULE, os.path.join(I18N_DIR, "fr.po"))
        self.assertGreater(len(terms), 40)
        self.assertEqual(missing, [], "terms without a French translation in i18n/fr.po")

    def test_criteria_following_documents_say_no_estimate_in_french(self):
        """The labels of what follows the documents once they give a margin
        (the quotation criterion's field, the low-margin flag, the recommended
        margin criterion) do not speak of an estimate in French."""
        load_french(self.env, ("crm_pipeline_pilot", MODULE))
        env = self.env(context=dict(self.env.context, lang="fr_FR"))
        Lead = env["crm.lead"]
        texts = {
            fname: (
                Lead._fields[fname]._description_string(env),
                Lead._fields[fname]._description_help(env) or "",
            )
            for fname in ("quotation_margin_ok", "is_low_margin")
        }
        self.assertEqual(texts["quotation_margin_ok"][0], "Devis envoyé à la marge")
        self.assertEqual(texts["is_low_margin"][0], "Marge faible")
        criteria = [
            (name, description)
            for _key, _name, _sequence, _values, stage_criteria in env[
                "crm.stage"
            ]._pilot_recommended_pipeline()
            for name, description, _type, definition in stage_criteria
            if "is_low_margin" in str(definition)
        ]
        self.assertEqual(
            criteria,
            [
                (
                    "Taux de marge au moins égal au minimum de l'équipe",
                    "Le taux de marge atteint le taux de marge minimum de l'équipe : celui de "
                    "l'estimation, ou, avec les marges des ventes, celui du devis dès qu'il est "
                    "envoyé (des commandes confirmées dès qu'il y en a).",
                )
            ],
        )
        for label, _help in [*texts.values(), *criteria]:
            self.assertNotIn("estim", label.lower())
        self.assertNotIn("estim", texts["quotation_margin_ok"][1].lower())
