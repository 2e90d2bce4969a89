# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A language installed after the recommended pipeline translates it."""

from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        result = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        if "crm_pipeline_pilot" in modules and "crm.stage" in self.env:
            self.env["crm.stage"]._pilot_translate_recommended(
                [lang for lang in langs if lang != "en_US"]
            )
        return result
