# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The margin erosion of the week's won deals in the weekly review: the
estimate at proposal against the confirmed orders (the quotation sent while
nothing is confirmed), where both are known."""

from odoo import api, fields, models


class CrmPipelineReview(models.Model):
    _inherit = "crm.pipeline.review"

    margin_erosion_row_ids = fields.Many2many(
        "crm.margin.erosion.report",
        string="Margin Erosion of the Won Deals",
        compute="_compute_margin_erosion_row_ids",
        help="The deals of the teams won during the week whose erosion is known: "
        "estimated margin at proposal against the ordered margin (the quoted margin "
        "while nothing is ordered).",
    )

    def _pilot_margin_erosion_domain(self, teams=None):
        """The erosion report's rows of the deals of ``teams`` (default: the
        review's) won during the week, whose erosion is known."""
        self.ensure_one()
        teams = self.team_ids if teams is None else teams
        return [
            ("won", "=", True),
            ("erosion_known", "=", True),
            ("team_id", "in", teams.ids),
            ("date", ">=", self.week_start),
            ("date", "<=", self.week_end),
        ]

    @api.depends("week_start", "team_ids", "scope_user_id")
    def _compute_margin_erosion_row_ids(self):
        Report = self.env["crm.margin.erosion.report"]
        for review in self:
            if not review.week_start or not review.team_ids:
                review.margin_erosion_row_ids = Report
                continue
            rows = review._pilot_scoped(Report).search(review._pilot_margin_erosion_domain())
            review.margin_erosion_row_ids = Report.browse(rows.ids)

    def _pilot_review_figures(self):
        figures = super()._pilot_review_figures()
        Report = self._pilot_scoped(self.env["crm.margin.erosion.report"])
        groups = {
            team.id: (count, estimated, real, erosion)
            for team, count, estimated, real, erosion in Report._read_group(
                self._pilot_margin_erosion_domain(),
                ["team_id"],
                ["__count", "estimated_margin:sum", "real_margin:sum", "margin_erosion:sum"],
            )
        }
        for team in self.team_ids:
            count, estimated, real, erosion = groups.get(team.id, (0, None, None, None))
            # A week without a won deal of known erosion shows no value, not 0.
            figures.setdefault(team.id, []).extend(
                [
                    (self.env._("Margin Erosion of the Won Deals"), erosion, "currency"),
                    (self.env._("Their Estimated Margin at Proposal"), estimated, "currency"),
                    (self.env._("Their Real Margin"), real, "currency"),
                    (self.env._("Won Deals with a Known Erosion"), count, "count"),
                ]
            )
        return figures
