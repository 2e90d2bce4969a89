from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression

from .crm_team import STAGE_PROBABILITY_MODES


class CrmStage(models.Model):
    _inherit = "crm.stage"

    # Stage exit criteria
    exit_criterion_ids = fields.One2many(
        "crm.stage.exit.criterion",
        "stage_id",
        string="Exit Criteria",
        help="What objectively proves that an opportunity may leave this stage "
        "forward. Every active criterion is required to move an opportunity to a "
        "later stage.",
    )
    exit_criteria_count = fields.Integer(compute="_compute_exit_criteria_count")
    is_proposal_stage = fields.Boolean(
        string="Proposal Stage",
        help="Proposal stage (quote sent): an opportunity that reached this stage "
        "received a proposal; used by the conversion rate.",
    )

    @api.depends("exit_criterion_ids")
    def _compute_exit_criteria_count(self):
        for stage in self:
            stage.exit_criteria_count = len(stage.exit_criterion_ids)

    # ------------------------------------------------------------------
    # Recommended pipeline
    # ------------------------------------------------------------------

    def _pilot_recommended_pipeline(self):
        """The five recommended stages and their exit criteria.

        Each stage: (key, name, sequence, values, criteria); each criterion:
        (name, description, type, field name or domain).
        """
        return [
            (
                "qualified",
                self.env._("Qualified lead"),
                10,
                {},
                [
                    (
                        self.env._("Need identified"),
                        self.env._("The customer's need is known and written in the description."),
                        "manual",
                        False,
                    ),
                    (
                        self.env._("Valid contact"),
                        self.env._("A valid phone number (E.164) or a valid email address."),
                        "domain",
                        "[('is_contact_valid', '=', True)]",
                    ),
                ],
            ),
            (
                "discovery",
                self.env._("Discovery"),
                20,
                {},
                [
                    (
                        self.env._("Decision maker identified"),
                        self.env._("The person who signs is known and has been met or called."),
                        "manual",
                        False,
                    ),
                    (
                        self.env._("Dated next action"),
                        self.env._("A planned activity with a deadline."),
                        "domain",
                        "[('has_dated_next_action', '=', True)]",
                    ),
                ],
            ),
            (
                "proposal",
                self.env._("Proposal sent"),
                30,
                {"is_proposal_stage": True},
                [
                    (
                        self.env._("Proposal amount"),
                        self.env._("The expected revenue is the amount of the proposal."),
                        "field",
                        "expected_revenue",
                    ),
                    (
                        self.env._("Expected closing date"),
                        self.env._("The date the customer is expected to decide."),
                        "field",
                        "date_deadline",
                    ),
                    (
                        self.env._("Margin rate at or above the team minimum"),
                        self.env._(
                            "The estimated margin rate reaches the minimum margin rate of the team."
                        ),
                        "domain",
                        "[('is_low_margin', '=', False)]",
                    ),
                ],
            ),
            (
                "negotiation",
                self.env._("Negotiation"),
                40,
                {},
                [
                    (
                        self.env._("Customer set"),
                        self.env._(
                            "The opportunity is linked to the customer who will be invoiced."
                        ),
                        "field",
                        "partner_id",
                    ),
                    (
                        self.env._("Agreement of the decision maker"),
                        self.env._(
                            "The decision maker accepted the proposal (signed quote or order)."
                        ),
                        "manual",
                        False,
                    ),
                ],
            ),
            ("won", self.env._("Won"), 70, {"is_won": True}, []),
        ]

    @api.model
    def action_apply_recommended_pipeline(self, team_id=False):
        """Create or complete the recommended pipeline (for a sales team, or
        for all teams without one), on explicit request only.

        Existing stages of the same scope (the team's own stages, or the
        stages shared by all teams when no team is given) with a recommended
        name are completed with the criteria they lack; missing stages are
        created; an existing won stage is reused. A stage shared by all teams
        never receives criteria on behalf of one team: that would gate the
        pipelines of the other teams too. Nothing is ever renamed or deleted.
        Returns the five stages.
        """
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(self.env._("Only sales managers can apply the recommended pipeline."))
        team = self.env["crm.team"].browse(team_id)
        scope = [("team_id", "in", [team.id, False] if team else [False])]
        stages = self.with_context(lang="en_US").search(scope)
        Criterion = self.env["crm.stage.exit.criterion"].with_context(
            lang="en_US", active_test=False
        )
        Field = self.env["ir.model.fields"]
        # Created in English, then translated into every other active language.
        langs = [code for code, _name in self.env["res.lang"].get_installed() if code != "en_US"]
        spec = self.with_context(lang="en_US")._pilot_recommended_pipeline()
        translations = {
            lang: self.with_context(lang=lang)._pilot_recommended_pipeline() for lang in langs
        }

        def names_of(record):
            """Lower-case names of a record in English and every active language."""
            return {
                (record.with_context(lang=lang).name or "").lower() for lang in ["en_US", *langs]
            }

        result = self.browse()
        for index, (key, name, sequence, values, criteria) in enumerate(spec):
            known_names = {name.lower()} | {translations[lang][index][1].lower() for lang in langs}
            if key == "won":
                stage = stages.filtered("is_won")[:1]
            else:
                stage = stages.filtered(
                    lambda s, known=known_names: s.team_id == team and names_of(s) & known
                )[:1]
            if not stage:
                stage = self.with_context(lang="en_US").create(
                    dict(values, name=name, sequence=sequence, team_id=team.id or False)
                )
                for lang in langs:
                    stage.update_field_translations("name", {lang: translations[lang][index][1]})
            elif values.get("is_proposal_stage") and not stage.is_proposal_stage:
                stage.is_proposal_stage = True
            existing_criteria = set()
            for criterion in stage.with_context(active_test=False).exit_criterion_ids:
                existing_criteria |= names_of(criterion)
            for position, (c_name, description, c_type, target) in enumerate(criteria):
                if c_name.lower() in existing_criteria:
                    continue
                vals = {
                    "name": c_name,
                    "description": description,
                    "sequence": (position + 1) * 10,
                    "stage_id": stage.id,
                    "criterion_type": c_type,
                }
                if c_type == "field":
                    vals["field_id"] = Field._get("crm.lead", target).id
                elif c_type == "domain":
                    vals["domain"] = target
                criterion = Criterion.create(vals)
                for lang in langs:
                    t_name, t_description = translations[lang][index][4][position][:2]
                    criterion.update_field_translations("name", {lang: t_name})
                    criterion.update_field_translations("description", {lang: t_description})
            result |= stage
        return result

    # Follow-ups on inactive deals
    stagnation_days = fields.Integer(
        string="Stagnation (days)",
        default=lambda self: self.env.company.pilot_stagnation_days or 7,
        help="An open opportunity of this stage without interaction for at "
        "least this many days is stagnant: its card is marked in the pipeline "
        'and the "Stagnant" filter lists it.',
    )

    @api.constrains("stagnation_days")
    def _check_stagnation_days(self):
        for stage in self:
            if stage.stagnation_days < 1:
                raise ValidationError(
                    self.env._(
                        "The stagnation delay of the stage %(stage)s must be at least one day.",
                        stage=stage.display_name,
                    )
                )

    # Stage probabilities
    probability = fields.Float(
        string="Probability (%)",
        default=10.0,
        digits=(16, 2),
        help="Probability of winning an opportunity in this stage. Sales teams "
        "whose probabilities come from stages give it to their opportunities "
        "when they enter the stage; won stages always give 100 %.",
    )
    pilot_probability_outdated_count = fields.Integer(
        string="Opportunities With Another Probability",
        compute="_compute_pilot_probability_outdated_count",
        help="Open opportunities in this stage, in sales teams whose probabilities "
        "come from stages, whose probability differs from the stage's.",
    )

    @api.constrains("probability")
    def _check_probability(self):
        for stage in self:
            if not 0 <= stage.probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of the stage %(stage)s must be between 0 and 100 %%.",
                        stage=stage.display_name,
                    )
                )

    def _pilot_probability_outdated_domain(self):
        """Open opportunities of this stage, in teams using stage probabilities,
        whose probability differs from the stage's: the leads that re-applying
        the stage's probability changes."""
        self.ensure_one()
        return [
            ("stage_id", "=", self._origin.id),
            ("stage_id.is_won", "=", False),
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("team_id.probability_mode", "in", STAGE_PROBABILITY_MODES),
            ("probability", "!=", self.probability),
        ]

    @api.depends("probability", "is_won")
    def _compute_pilot_probability_outdated_count(self):
        stages = self.filtered(lambda stage: stage._origin.id and not stage.is_won)
        counts = {}
        if stages:
            domain = expression.OR(stage._pilot_probability_outdated_domain() for stage in stages)
            counts = {
                stage.id: count
                for stage, count in self.env["crm.lead"]._read_group(
                    domain, groupby=["stage_id"], aggregates=["__count"]
                )
            }
        for stage in self:
            stage.pilot_probability_outdated_count = counts.get(stage._origin.id, 0)

    def action_open_probability_apply(self):
        """Offer to re-apply this stage's probability to its open opportunities."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-apply the Stage Probability"),
            "res_model": "crm.stage.probability.apply",
            "view_mode": "form",
            "target": "new",
            "context": {"default_stage_id": self.id},
        }

    # ------------------------------------------------------------------
    # Stage order of the exit criteria gate, kept in the registry cache
    # (cleared on any change of the stages, in every worker)
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _pilot_ranks(self):
        """All stages as {stage_id: (sequence, is_won, team_id)}, by sequence
        (one query, then cached: callers must not modify it)."""
        self.flush_model(["sequence", "is_won", "team_id"])
        self.env.cr.execute(
            "SELECT id, sequence, is_won, team_id FROM crm_stage ORDER BY sequence, id"
        )
        return {
            stage_id: (sequence or 0, bool(is_won), team_id or False)
            for stage_id, sequence, is_won, team_id in self.env.cr.fetchall()
        }

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def unlink(self):
        # Also drops their exit criteria (cascade)
        self.env.registry.clear_cache()
        return super().unlink()

    def write(self, vals):
        if vals.keys() & {"sequence", "is_won", "team_id"}:
            self.env.registry.clear_cache()
        result = super().write(vals)
        # Weekly KPIs: the conversion rate counts the leads that reached a proposal stage
        if "is_proposal_stage" in vals:
            self.env["crm.lead"]._pilot_recompute_reached_proposal()
        return result
