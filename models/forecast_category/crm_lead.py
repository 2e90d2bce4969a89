# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Forecast categories of opportunities: Pipeline, Best case, Commit (from
the stage, changeable by the salesperson until the next stage change), Closed
(won deals, computed) and Omitted (left out of forecasts)."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, sql

from ..crm_lead import bounded_lines
from .crm_stage import STAGE_FORECAST_CATEGORIES

FORECAST_CATEGORIES = [
    *STAGE_FORECAST_CATEGORIES[:3],
    ("closed", "Closed"),
    STAGE_FORECAST_CATEGORIES[3],
]

_logger = logging.getLogger(__name__)


def init_stage_forecast_category_column(cr):
    """The stages' category column, created with Pipeline for every existing
    stage (left as it is when it exists)."""
    if not sql.column_exists(cr, "crm_stage", "pilot_forecast_category"):
        sql.create_column(cr, "crm_stage", "pilot_forecast_category", "varchar")
        cr.execute("UPDATE crm_stage SET pilot_forecast_category = 'pipeline'")


def forecast_category_sql(cr):
    """The category _compute_forecast_category gives, as an SQL expression on
    ``stage_id`` (one CASE over the stage ids read here, no join, so that it
    fits an ``ALTER COLUMN ... USING``): Closed in won stages, the stage's
    category otherwise, Pipeline without a stage or a category."""
    cr.execute("SELECT id, COALESCE(is_won, FALSE), pilot_forecast_category FROM crm_stage")
    stage_ids = defaultdict(list)
    for stage_id, is_won, category in cr.fetchall():
        stage_ids["closed" if is_won else category or "pipeline"].append(stage_id)
    branches = [
        SQL("WHEN stage_id = ANY(%s) THEN %s", sorted(ids), category)
        for category, ids in sorted(stage_ids.items())
        if category != "pipeline"
    ]
    if not branches:
        return SQL("'pipeline'")
    return SQL("CASE %s ELSE 'pipeline' END", SQL(" ").join(branches))


def init_forecast_category_columns(cr):
    """Bulk fill at upgrade, before the registry loads the fields: the stages
    get the Pipeline category, and the existing leads too (a column added
    with a constant default: no rewrite of crm_lead), except the leads of won
    stages (Closed) and of stages with another category, in one UPDATE.
    Existing columns (a second run) are left as they are. (At install, the
    pre-init hook fills the leads' column in its rewrite of crm_lead.)"""
    init_stage_forecast_category_column(cr)
    if sql.column_exists(cr, "crm_lead", "forecast_category"):
        return
    cr.execute("ALTER TABLE crm_lead ADD COLUMN forecast_category varchar DEFAULT 'pipeline'")
    cr.execute("ALTER TABLE crm_lead ALTER COLUMN forecast_category DROP DEFAULT")
    category = forecast_category_sql(cr)
    cr.execute(
        SQL(
            "UPDATE crm_lead SET forecast_category = %s WHERE %s <> 'pipeline'",
            category,
            category,
        )
    )
    _logger.info(
        "crm_pipeline_pilot: forecast category set on %s leads from their stage", cr.rowcount
    )


class CrmLead(models.Model):
    _inherit = "crm.lead"

    forecast_category = fields.Selection(
        FORECAST_CATEGORIES,
        compute="_compute_forecast_category",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        # A copy enters its own stage (the stage is not copied): its category
        # comes from that stage, never Closed from a won original.
        copy=False,
        help="Pipeline, Best case or Commit: how sure the salesperson is that the deal "
        "closes in its expected closing month. Set from the stage when the opportunity "
        "is created or changes stage; its salesperson may change it afterwards. Won "
        "deals are Closed; Omitted leaves the deal out of forecasts.",
    )

    # The selector of the form for open deals: the categories a salesperson
    # may choose (Closed is the won deals', computed); ``forecast_category``
    # stays the field integrators read and write.
    pilot_forecast_choice = fields.Selection(
        STAGE_FORECAST_CATEGORIES,
        string="Forecast",
        compute="_compute_pilot_forecast_choice",
        inverse="_inverse_pilot_forecast_choice",
        help="Pipeline, Best case or Commit: how sure you are that the deal closes in "
        "its expected closing month; Omitted leaves it out of forecasts. Set from the "
        "stage when the opportunity changes stage; you may change it afterwards.",
    )

    @api.depends("forecast_category")
    def _compute_pilot_forecast_choice(self):
        for lead in self:
            category = lead.forecast_category
            lead.pilot_forecast_choice = category if category != "closed" else False

    def _inverse_pilot_forecast_choice(self):
        won = self.filtered(lambda lead: lead.pilot_forecast_choice and lead.stage_id.is_won)
        if won:
            raise ValidationError(
                "\n".join(
                    bounded_lines(
                        self.env,
                        [
                            self.env._(
                                "%(lead)s: a won opportunity is always Closed in forecasts.",
                                lead=lead.display_name,
                            )
                            for lead in won
                        ],
                    )
                )
            )
        for lead in self:
            if lead.pilot_forecast_choice:
                lead.forecast_category = lead.pilot_forecast_choice

    @api.onchange("pilot_forecast_choice")
    def _onchange_pilot_forecast_choice(self):
        for lead in self:
            if lead.pilot_forecast_choice and not lead.stage_id.is_won:
                lead.forecast_category = lead.pilot_forecast_choice

    @api.depends("stage_id", "stage_id.is_won")
    def _compute_forecast_category(self):
        # Any stage change gives the new stage's category: a salesperson's
        # choice lasts until the next stage change.
        for lead in self:
            stage = lead.stage_id
            if stage.is_won:
                lead.forecast_category = "closed"
            else:
                lead.forecast_category = stage.pilot_forecast_category or "pipeline"

    @api.constrains("forecast_category", "stage_id")
    def _check_forecast_category(self):
        """Closed is the category of won deals, and only of them."""
        errors = [
            self.env._(
                "%(lead)s: the forecast category Closed is given to won opportunities "
                "only, and a won opportunity is always Closed.",
                lead=lead.display_name,
            )
            for lead in self
            if bool(lead.stage_id.is_won) != (lead.forecast_category == "closed")
        ]
        if errors:
            raise ValidationError("\n".join(bounded_lines(self.env, errors)))
