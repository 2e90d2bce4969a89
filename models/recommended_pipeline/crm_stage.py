# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The recommended five-stage pipeline with its exit criteria, applied on
explicit request only."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL


class CrmStage(models.Model):
    _inherit = "crm.stage"

    pilot_pipeline_team_id = fields.Many2one(
        "crm.team",
        string="Shown in the Pipeline of",
        compute="_compute_pilot_pipeline_team_id",
        search="_search_pilot_pipeline_team_id",
        help="Search only: the stages shown in the pipeline of a sales team (its "
        "own stages, and the shared ones unless the team works with its own "
        "stages only).",
    )

    @api.depends("name", "team_id")
    @api.depends_context("pilot_stage_with_team")
    def _compute_display_name(self):
        """In the stage pickers (context ``pilot_stage_with_team``), a stage
        of one team says which: two teams' "Won" stages are told apart."""
        super()._compute_display_name()
        if not self.env.context.get("pilot_stage_with_team"):
            return
        for stage in self:
            team = stage.sudo().team_id
            if team:
                stage.display_name = self.env._(
                    "%(stage)s (%(team)s)", stage=stage.display_name, team=team.name
                )

    def _compute_pilot_pipeline_team_id(self):
        self.pilot_pipeline_team_id = False

    def _search_pilot_pipeline_team_id(self, operator, value):
        if operator not in ("=", "in"):
            return NotImplemented
        team_ids = [value] if operator == "=" else list(value or [])
        teams = self.env["crm.team"].browse([team for team in team_ids if team]).exists()
        return teams._pilot_stage_domain()

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
                            "The margin rate reaches the minimum margin rate of the team: the "
                            "estimate's, or, with the sales margins, the quotation's once one is "
                            "sent (the confirmed orders' once there are any)."
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
    def _pilot_recommended_stage_values(self, team, scope_stages):
        """Values of a stage the recommended pipeline creates for ``team``
        (empty: for all teams), besides its own name, sequence, team and
        flags: none here (every other field takes its default, the stage being
        created through the ORM); add-ons installed next to this one add theirs
        (see models/neighbours). ``scope_stages``: the existing stages of the
        pipeline it joins."""
        return {}

    @api.model
    def _pilot_recommended_scope(self, team):
        """The existing stages the recommended pipeline of ``team`` (empty: of
        all teams) joins: the team's own stages and the stages shared by all
        teams; the team's own only when it works with its own stages only
        (it then gets all five, Won included)."""
        if team.pilot_own_stages_only:
            return self.search([("team_id", "=", team.id)])
        return self.search([("team_id", "in", [team.id, False] if team else [False])])

    def _pilot_is_own_stage_of(self, team):
        """Whether this stage is in the pipeline of ``team`` alone (empty:
        shared by all teams): only such a stage is completed by the
        recommended pipeline of ``team``, its criteria gating no other team."""
        self.ensure_one()
        return self.team_id == team

    @api.model
    def action_apply_recommended_pipeline(self, team_id=False):
        """Create or complete the recommended pipeline (for a sales team, or
        for all teams without one), on explicit request only.

        Existing stages of the same scope (the team's own stages, or the
        stages shared by all teams when no team is given) with a recommended
        name are completed with the criteria they lack; missing stages are
        created; an existing won stage is reused. A stage shared by all teams
        never receives criteria on behalf of one team: that would gate the
        pipelines of the other teams too. A team working with the stages of
        another team completes that team's. Nothing is ever renamed or
        deleted. Returns the five stages.
        """
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(self.env._("Only sales managers can apply the recommended pipeline."))
        if team_id not in (False, None) and (
            isinstance(team_id, bool) or not isinstance(team_id, int)
        ):
            raise UserError(
                self.env._("The sales team of the recommended pipeline is given by its id.")
            )
        team = self.env["crm.team"].browse(team_id or [])
        # A team working with the stages of another team: that team's stages.
        team = team.pilot_stage_team_id or team
        stages = self.with_context(lang="en_US")._pilot_recommended_scope(team)
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
                    lambda s, known=known_names: (
                        s._pilot_is_own_stage_of(team) and names_of(s) & known
                    )
                )[:1]
            if not stage:
                stage = self.with_context(lang="en_US").create(
                    dict(
                        self._pilot_recommended_stage_values(team, stages),
                        **values,
                        name=name,
                        sequence=sequence,
                        team_id=team.id or False,
                    )
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

    @api.model
    def _pilot_translate_recommended(self, langs):
        """Translate the recommended stages and criteria already created into
        ``langs`` (a language installed after them): a record whose English
        name is a recommended one and which has no name in the language gets
        the shipped translation. A name someone typed is never replaced."""
        spec = self.with_context(lang="en_US")._pilot_recommended_pipeline()
        for lang in langs:
            if lang == "en_US":
                continue
            translated = self.with_context(lang=lang)._pilot_recommended_pipeline()
            stage_names, criterion_texts = {}, {}
            for stage_spec, stage_tr in zip(spec, translated, strict=True):
                stage_names[stage_spec[1]] = stage_tr[1]
                for criterion, criterion_tr in zip(stage_spec[4], stage_tr[4], strict=True):
                    criterion_texts[criterion[0]] = (criterion, criterion_tr)
            for model, names in (
                ("crm.stage", stage_names),
                ("crm.stage.exit.criterion", criterion_texts),
            ):
                Model = self.env[model].sudo().with_context(active_test=False)
                self.env.cr.execute(
                    SQL(
                        """SELECT id FROM %s
                            WHERE name->>'en_US' IN %s AND NOT name ? %s""",
                        SQL.identifier(Model._table),
                        tuple(names),
                        lang,
                    )
                )
                for record in Model.browse([row[0] for row in self.env.cr.fetchall()]):
                    english = record.with_context(lang="en_US").name
                    if model == "crm.stage":
                        record.update_field_translations("name", {lang: names[english]})
                        continue
                    (_name, description, *_rest), (t_name, t_description, *_rest2) = names[english]
                    record.update_field_translations("name", {lang: t_name})
                    if (record.with_context(lang="en_US").description or "") == description:
                        record.update_field_translations("description", {lang: t_description})
