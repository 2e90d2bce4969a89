# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import datetime, dateutil, safe_eval

CRITERION_TYPES = [
    ("field", "Field is set"),
    ("domain", "Lead matches a domain"),
    ("manual", "Confirmed by the salesperson"),
]


class CrmStageExitCriterion(models.Model):
    _name = "crm.stage.exit.criterion"
    _inherit = ["crm.pipeline.cache.mixin"]
    _description = "Stage Exit Criterion"
    _order = "stage_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True,
        help="Shown as help in the checklist of the opportunity: what proves that "
        "the criterion is met.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    stage_id = fields.Many2one(
        "crm.stage",
        required=True,
        ondelete="cascade",
        index=True,
        help="The opportunity must meet this criterion to leave this stage forward.",
    )
    team_id = fields.Many2one(related="stage_id.team_id", string="Sales Team")
    criterion_type = fields.Selection(
        CRITERION_TYPES,
        string="Type",
        required=True,
        default="manual",
        help="Field is set: a field of the opportunity must have a value. "
        "Lead matches a domain: the opportunity must match the domain. "
        "Confirmed by the salesperson: ticked on the opportunity.",
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        ondelete="cascade",
        domain="[('model', '=', 'crm.lead'), ('store', '=', True), "
        "('ttype', 'not in', ('binary', 'json', 'properties'))]",
        help="The opportunity field that must be set.",
    )
    domain = fields.Char(
        default="[]",
        help="The opportunity must match this domain, e.g. a valid contact or a dated next action.",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("criterion_type", "field_id", "domain")
    def _check_criterion_definition(self):
        for criterion in self:
            if criterion.criterion_type == "field":
                if not criterion.field_id:
                    raise ValidationError(
                        self.env._(
                            'The exit criterion "%(name)s" checks a field: choose the field.',
                            name=criterion.name,
                        )
                    )
                if criterion.field_id.model != "crm.lead":
                    raise ValidationError(
                        self.env._(
                            'The exit criterion "%(name)s" must check a field of the opportunity.',
                            name=criterion.name,
                        )
                    )
            elif criterion.criterion_type == "domain":
                criterion._pilot_check_domain()

    def _pilot_check_domain(self):
        """Refuse a domain that cannot be evaluated or compiled on crm.lead."""
        self.ensure_one()
        try:
            domain = self._pilot_get_domain()
            if not domain:
                raise ValueError(self.env._("the domain is empty"))
            # Compiles the query (unknown fields, bad operators...) without running it.
            self.env["crm.lead"].sudo()._search(domain)
        except Exception as error:  # any error means an invalid domain
            raise ValidationError(
                self.env._(
                    'The domain of the exit criterion "%(name)s" is invalid: %(error)s',
                    name=self.name,
                    error=error,
                )
            ) from error

    @api.model
    @tools.ormcache()
    def _pilot_active_definitions(self):
        """Active criteria in checklist order: a tuple of
        (id, stage id, type, field name, domain) (one query, then cached)."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT c.id, c.stage_id, c.criterion_type, f.name, c.domain
              FROM crm_stage_exit_criterion c
              JOIN crm_stage s ON s.id = c.stage_id
         LEFT JOIN ir_model_fields f ON f.id = c.field_id
             WHERE c.active
          ORDER BY s.sequence, s.id, c.sequence, c.id
            """
        )
        return tuple(tuple(row) for row in self.env.cr.fetchall())

    @api.model
    def _pilot_ids_by_stage(self):
        """{stage id: [ids of its active criteria, in checklist order]} (cached)."""
        result = {}
        for criterion_id, stage_id, *_definition in self._pilot_active_definitions():
            result.setdefault(stage_id, []).append(criterion_id)
        return result

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    def _pilot_definition(self):
        """(type, field name, domain) of the criterion, from the cache when it
        is active (no query), else from the record."""
        self.ensure_one()
        for criterion_id, _stage_id, *definition in self._pilot_active_definitions():
            if criterion_id == self.id:
                return tuple(definition)
        return (self.criterion_type, self.field_id.name, self.domain)

    def _pilot_get_domain(self, domain_text=None):
        """The criterion's domain as a list, evaluated like a filter of the web
        client (``domain_text``: its cached text, to spare reading the record)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        eval_context = {
            "uid": self.env.uid,
            "user": self.env.user,
            "datetime": datetime,
            "relativedelta": dateutil.relativedelta.relativedelta,
            "context_today": lambda: today,
            "today": today,
        }
        if domain_text is None:
            domain_text = self.domain
        domain = safe_eval(domain_text or "[]", eval_context)
        if not isinstance(domain, list | tuple):
            raise ValueError(self.env._("a domain must be a list of conditions"))
        return list(domain)

    def _pilot_satisfied_lead_ids(self, leads):
        """Ids of the leads (records or new records of a form) meeting this criterion.

        Set-based: a field or manual criterion reads the (prefetched) values of
        all the leads at once; a domain criterion runs one search for all of them.
        """
        self.ensure_one()
        criterion_type, fname, domain_text = self._pilot_definition()
        if criterion_type == "field":
            if fname not in leads._fields:
                return set()
            return {lead.id for lead in leads.sudo() if lead[fname]}
        if criterion_type == "manual":
            return {
                lead.id for lead in leads if self.id in lead.confirmed_criterion_ids._origin.ids
            }
        # domain: the saved leads are searched in the database (one query for
        # all of them); new records (the unsaved values of a form) are
        # evaluated in memory, on the values they hold, not on the saved ones.
        domain = self._pilot_get_domain(domain_text)
        saved_ids = [id_ for id_ in leads._ids if isinstance(id_, int)]
        new_leads = leads.browse([id_ for id_ in leads._ids if not isinstance(id_, int)])
        satisfied = set()
        if saved_ids:
            satisfied.update(
                self.env["crm.lead"]
                .sudo()
                .with_context(active_test=False)
                .search([("id", "in", saved_ids), *domain], order="id")
                .ids
            )
        if new_leads:
            satisfied.update(
                new_leads.sudo().with_context(active_test=False).filtered_domain(domain)._ids
            )
        return satisfied
