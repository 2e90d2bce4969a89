# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.exceptions import UserError

from ..crm_lead import format_record_names


class CrmStage(models.Model):
    _inherit = "crm.stage"

    def write(self, vals):
        if vals.get("is_won"):
            self.check_access("write")
            self._pilot_check_won_reasons_of_deals()
        return super().write(vals)

    def _pilot_check_won_reasons_of_deals(self):
        """Turning stages into won stages makes their deals won: refused while
        one of them lacks the won reason its team requires (the rule of the
        deals holds for a change made on their stage too)."""
        missing = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("stage_id", "in", self.filtered(lambda stage: not stage.is_won).ids),
                    ("type", "=", "opportunity"),
                    ("team_id.pilot_won_reason_required", "=", True),
                    ("pilot_won_reason_id", "=", False),
                ],
                order="id",
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "These stages cannot become won stages: their opportunities would be "
                    "won without the won reason their sales team requires. Mark them as "
                    "won with a reason, or move them to another stage first: %(leads)s.",
                    leads=format_record_names(missing.with_env(self.env)),
                )
            )
