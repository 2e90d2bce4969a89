# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The registry cache of the definitions the exit criteria gate reads."""

from odoo import api, models


class CrmPipelineCacheMixin(models.AbstractModel):
    """Records whose definitions are kept in the registry cache (``ormcache``)
    by the exit criteria gate: the pipeline kanban and every stage move look
    them up, and they change rarely. Creating or deleting a record, or writing
    one of ``_pilot_cached_fields`` (any field when empty), clears the cache,
    in every worker."""

    _name = "crm.pipeline.cache.mixin"
    _description = "Definitions Cached for the Exit Criteria Gate"
    _pilot_cached_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if not self._pilot_cached_fields or vals.keys() & set(self._pilot_cached_fields):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        # Also drops the exit criteria of deleted stages (cascade)
        self.env.registry.clear_cache()
        return super().unlink()
