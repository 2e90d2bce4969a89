# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast categories: the category a stage gives to the opportunities
entering it, and the defaults of the recommended pipeline."""

from odoo import fields, models

# The categories a stage may give (Closed is for won deals only, computed).
STAGE_FORECAST_CATEGORIES = [
    ("pipeline", "Pipeline"),
    ("best_case", "Best case"),
    ("commit", "Commit"),
    ("omitted", "Omitted"),
]

# The default category of each stage of the recommended pipeline, by key.
RECOMMENDED_FORECAST_CATEGORIES = {
    "qualified": "pipeline",
    "discovery": "pipeline",
    "proposal": "best_case",
    "negotiation": "commit",
}


class CrmStage(models.Model):
    _inherit = "crm.stage"

    pilot_forecast_category = fields.Selection(
        STAGE_FORECAST_CATEGORIES,
        string="Forecast Category",
        default="pipeline",
        required=True,
        help="The forecast category an opportunity gets when it is created in this "
        "stage or enters it; its salesperson may change it afterwards, until the next "
        "stage change. Won stages always give Closed.",
    )

    def _pilot_recommended_pipeline(self):
        spec = super()._pilot_recommended_pipeline()
        return [
            (
                key,
                name,
                sequence,
                dict(values, pilot_forecast_category=RECOMMENDED_FORECAST_CATEGORIES[key])
                if key in RECOMMENDED_FORECAST_CATEGORIES
                else values,
                criteria,
            )
            for key, name, sequence, values, criteria in spec
        ]
