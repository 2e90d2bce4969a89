# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import os

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_pipeline_pilot.tests.common import untranslated_terms

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
