# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .crm_lead_evidence import EVIDENCE_KINDS


class CrmTeam(models.Model):
    _inherit = "crm.team"

    pilot_evidence_budget = fields.Boolean(string="Suggest Budgets", default=True)
    pilot_evidence_authority = fields.Boolean(string="Suggest Decision Makers", default=True)
    pilot_evidence_timing = fields.Boolean(string="Suggest Timings", default=True)
    pilot_evidence_competitor = fields.Boolean(string="Suggest Competitors", default=True)
    pilot_evidence_objection = fields.Boolean(string="Suggest Objections", default=True)
    pilot_evidence_next_step = fields.Boolean(string="Suggest Next Steps", default=True)
    pilot_competitor_names = fields.Text(
        string="Competitors",
        help="The competitors the analysis of the exchanges recognises, one per line "
        '(besides those introduced by "we are also talking to…").',
    )

    def _pilot_evidence_kinds(self):
        """The kinds of facts suggested on the team's opportunities."""
        self.ensure_one()
        return {kind for kind, _label in EVIDENCE_KINDS if self[f"pilot_evidence_{kind}"]}

    def _pilot_competitor_names(self):
        self.ensure_one()
        return [
            name.strip()
            for name in (self.pilot_competitor_names or "").splitlines()
            if name.strip()
        ][:200]
