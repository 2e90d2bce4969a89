# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import os

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

MODULE = "crm_pipeline_pilot_sale"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


@tagged("post_install", "-at_install")
class TestSaleMarginFrench(TransactionCase):
    def test_every_string_is_translated_to_french(self):
        """Every translatable term of the bridge, as exported from the running
        code and data, has a French translation in its i18n/fr.po."""
        with open(os.path.join(I18N_DIR, "fr.po"), "rb") as po_file:
            french = {
                entry["src"]: entry["value"] for entry in PoFileReader(po_file) if entry["value"]
            }
        terms = {
            source
            for module, _type, _name, _res_id, source, *_rest in TranslationModuleReader(
                self.env.cr, [MODULE]
            )
            if module == MODULE
        }
        self.assertGreater(len(terms), 40)
        missing = sorted(term for term in terms if term not in french)
        self.assertEqual(missing, [], "terms without a French translation in i18n/fr.po")
