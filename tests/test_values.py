# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Values the add-on trusts (models/trust/): every numeric field a user can
write has bounds, found by enumerating the registry, so that a field added
later is covered the day it lands; a bad value stored in SQL never breaks a
view; stored domains are data, parsed once, refused unless literal."""

import math

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.trust.base import field_bounds, is_maintained
from ..models.trust.domain import DomainTextError, evaluate_domain_text, parse_domain_text
from .common import MODULE, SALES_MANAGER, SALESPERSON, PilotCommon

TRUST_LOGGER = "odoo.addons.crm_pipeline_pilot.models.trust.base"
NUMERIC = ("integer", "float", "monetary")
# Configured by administrators rather than by the sales roles
SETTINGS_MODELS = ("res.company", "res.config.settings")


def bounded_fields(env, module=MODULE):
    """(model, field) of every numeric field of the add-on (or of its bridge
    add-on ``module``) that a user may type: stored, not maintained by the
    application, not related, on a model a salesperson or a sales manager may
    write or create (or the settings)."""
    groups = [env.ref(SALESPERSON), env.ref(SALES_MANAGER)]
    found = []
    for model_name in sorted(env.registry):
        Model = env[model_name]
        if Model._abstract or not Model._auto:
            continue
        writable = model_name in SETTINGS_MODELS or any(
            access.perm_write or access.perm_create
            for access in env["ir.model.access"].search(
                [("model_id.model", "=", model_name), ("group_id", "in", [g.id for g in groups])]
            )
        )
        if not writable:
            continue
        for field in Model._fields.values():
            if (
                field._module == module
                and not field.automatic
                and field.type in NUMERIC
                and field.store
                and not field.related
                and not is_maintained(field)
                and not (field.compute and not field.inverse)
            ):
                found.append((model_name, field))
    return found


@tagged("post_install", "-at_install")
class TestBoundedNumbers(PilotCommon):
    def _record(self, model_name, fname=None):
        if model_name == "res.config.settings":
            return None
        if model_name == "crm.lead":
            # A margin rate needs a revenue; the largest cost a revenue that
            # keeps its rate within the bounds.
            revenue = 1e15 if fname == "estimated_cost" else 1000
            return self._opportunity("Bounded deal", expected_revenue=revenue)
        if model_name == "crm.forecast.submission":  # the leader's: adjusted figure
            domain = [("user_id", "=", self.manager.id), ("team_id", "=", self.team.id)]
            return self.env[model_name].search(domain) or self.env[model_name].create(
                {"user_id": self.manager.id, "team_id": self.team.id}
            )
        record = self.env[model_name].search([], limit=1, order="id")
        self.assertTrue(record, f"{model_name}: a record is needed to test its bounds")
        return record

    def test_every_numeric_field_is_bounded(self):
        found = bounded_fields(self.env)
        names = {f"{model}.{field.name}" for model, field in found}
        # The enumeration finds the configuration of every capability.
        for expected in (
            "crm.next.action.rule.delay_days",
            "crm.next.action.rule.deadline_days",
            "crm.pipeline.target.win_rate_target",
            "crm.stage.stagnation_days",
            "crm.team.pilot_min_margin_rate",
            "res.company.pilot_push_alert_count",
            "res.config.settings.pilot_follow_up_first_days",
            "crm.lead.estimated_cost",
        ):
            self.assertIn(expected, names)
        for model_name, field in found:
            with self.subTest(field=f"{model_name}.{field.name}"):
                bounds = field_bounds(field)
                self.assertTrue(bounds, f"{model_name}.{field.name} declares no pilot_bounds")
                low, high = bounds
                step = 1 if field.type == "integer" else 0.5
                # beyond the rounding noise of the largest amounts
                beyond = step if field.type == "integer" else max(step, (high - low) / 1000)
                refused = [low - beyond, high + beyond, 2**53, math.nan, math.inf, -math.inf, "12"]
                self._check_field(model_name, field, refused, accepted=[low, high])

    def _check_field(self, model_name, field, refused, accepted):
        fname = field.name
        record = self._record(model_name, fname)
        if record is not None:
            before = record[fname]
        for value in refused:
            with self.subTest(value=value), self.assertRaises(ValidationError):
                if record is None:
                    self.env[model_name].create({fname: value})
                else:
                    record.write({fname: value})
            if record is not None:
                record.invalidate_recordset()
                self.assertEqual(record[fname], before)
        for value in accepted:
            with self.subTest(value=value):
                if record is None:
                    settings = self.env[model_name].create({fname: value})
                    self.assertEqual(settings[fname], value)
                else:
                    record.write({fname: value})
                    # (the rounding of the largest amounts adds a little noise)
                    self.assertAlmostEqual(record[fname], value, delta=abs(value) * 1e-9)

    def test_margin_rate_bounded_whatever_the_input(self):
        """The rate a cost gives is bounded as a typed rate: a cost of more
        than eleven times the revenue is refused, by a cost or by a revenue
        lowered under it; the form's rate sent back with the cost is ignored."""
        lead = self._opportunity("Costly deal", expected_revenue=1000)
        lead.with_user(self.salesman).write({"estimated_cost": 11000})
        self.assertEqual(lead.estimated_margin_rate, -1000.0)
        message = (
            "The estimated cost of Costly deal gives a margin rate below -1,000 %: check the "
            "estimated cost and the expected revenue."
        )
        with self.assertRaisesMessage(ValidationError, message):
            lead.with_user(self.salesman).write({"estimated_cost": 11001})
        with self.assertRaisesMessage(ValidationError, message):
            lead.with_user(self.salesman).write({"expected_revenue": 10})
        # A typed rate below the bounds: the cost it would give is refused
        with self.assertRaisesMessage(ValidationError, message):
            lead.with_user(self.salesman).estimated_margin_rate = -4999900.0
        self.assertEqual((lead.estimated_cost, lead.expected_revenue), (11000, 1000))
        # As the form sends it: the cost typed, the rate it computed.
        lead.with_user(self.salesman).write(
            {"estimated_cost": 4000, "estimated_margin_rate": -39900.0}
        )
        self.assertEqual((lead.estimated_cost, lead.estimated_margin_rate), (4000, -300.0))

    def test_message(self):
        rule = self.env["crm.next.action.rule"].search([], limit=1)
        with self.assertRaisesMessage(
            ValidationError, '"Deadline (days)" (Next Best Action Rule) must be a number between'
        ):
            rule.deadline_days = 10**6
        with self.assertRaisesMessage(ValidationError, "is not a valid number"):
            self.team.pilot_min_margin_rate = math.nan
        self.assertEqual(self.team.pilot_min_margin_rate, 30.0)


@tagged("post_install", "-at_install")
class TestBadStoredValues(PilotCommon):
    """A value written in SQL (by an old version, by hand) out of its bounds:
    the views everyone opens still open; the value is skipped and logged."""

    def test_next_action_rule_and_stagnation_out_of_bounds(self):
        lead = self._opportunity("Stored values", date_deadline=fields.Date.today())
        self.env["crm.next.action.rule"].search([]).active = False
        Rule = self.env["crm.next.action.rule"]
        activity_type = self.env.ref("mail.mail_activity_data_call")
        bad = Rule.create(
            {
                "name": "Bad",
                "sequence": 1,
                "condition": "proposal_no_reply",
                "activity_type_id": activity_type.id,
                "summary": "Call",
            }
        )
        good = Rule.create(
            {
                "name": "Plan something",
                "sequence": 2,
                "condition": "no_activity",
                "activity_type_id": activity_type.id,
                "summary": "Call",
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_next_action_rule SET delay_days = %s WHERE id = %s", [10**6, bad.id]
        )
        self.env.cr.execute(
            "UPDATE crm_stage SET stagnation_days = %s WHERE id = %s", [10**6, self.stage_new.id]
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        with self.assertLogs(TRUST_LOGGER, "WARNING") as logs:
            values = lead.with_user(self.salesman).read(
                ["next_action_name", "is_stagnant", "inactivity_days"]
            )[0]
        self.assertEqual(values["next_action_name"], "Plan something")
        self.assertFalse(values["is_stagnant"])
        self.assertIn(f"Next action rule {bad.id}", "\n".join(logs.output))
        self.assertIn(f"Stage {self.stage_new.id}", "\n".join(logs.output))
        self.assertTrue(good.active)

    def test_target_out_of_bounds_in_the_weekly_review(self):
        target = self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": fields.Date.today().replace(day=1)}
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_pipeline_target SET win_rate_target = 'NaN', revenue_target = 1e308"
            " WHERE id = %s",
            [target.id],
        )
        self.env.invalidate_all()
        with self.assertLogs(TRUST_LOGGER, "WARNING") as logs:
            review = (
                self.env["crm.pipeline.review"]
                .with_user(self.manager)
                .create({"date": fields.Date.today(), "team_ids": [(6, 0, self.team.ids)]})
            )
        self.assertIn(f"Target {target.id}", "\n".join(logs.output))
        win_rate = review.line_ids.filtered(lambda line: line.kpi_id.code == "win_rate")
        self.assertEqual(len(win_rate), 1)
        self.assertEqual((win_rate.has_target, win_rate.target), (False, 0.0))


@tagged("post_install", "-at_install")
class TestStoredDomains(PilotCommon):
    """Domains stored by sales managers are literals, parsed once."""

    def _criterion(self, domain):
        return (
            self.env["crm.stage.exit.criterion"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Literal",
                    "stage_id": self.stage_new.id,
                    "criterion_type": "domain",
                    "domain": domain,
                }
            )
        )

    def test_only_literals(self):
        refused = {
            '[("id", "in", [x for x in range(10**7)])]': "no other call nor arithmetic",
            '[("expected_revenue", ">", sum(range(10**8)))]': "no other call nor arithmetic",
            '[("expected_revenue", ">", 2 ** 1000)]': "no other call nor arithmetic",
            '[("expected_revenue", ">", 1 + 1)]': "no other call nor arithmetic",
            '[("name", "=", "x" * 10**9)]': "no other call nor arithmetic",
            '[("name", "=", __import__("os").name)]': "no other call nor arithmetic",
            '[("date_deadline", "<", today + relativedelta(days=10**6))]': "no other call",
            '[("date_deadline", "<", today.replace(year=1))]': "no other call nor arithmetic",
            '[("expected_revenue", ">", 1e999)]': "no other call nor arithmetic",
            "[" + '("name", "=", "x"), ' * 1000 + "]": "it is too long or too nested",
            "[" * 300 + "]" * 300: "syntax error",
        }
        Criterion = self.env["crm.stage.exit.criterion"]
        for domain, message in refused.items():
            with (
                self.subTest(domain=domain[:60]),
                self.assertRaisesMessage(ValidationError, message),
            ):
                self._criterion(domain)
        self.assertFalse(Criterion.search([("name", "=", "Literal")]))
        accepted = self._criterion(
            '[("date_deadline", ">=", today), ("date_deadline", "<=", today + '
            'relativedelta(days=90)), ("user_id", "=", uid), ("create_date", ">=", '
            '(context_today() - relativedelta(months=1)).strftime("%Y-%m-%d"))]'
        )
        today = fields.Date.context_today(accepted)
        self.assertEqual(
            accepted._pilot_get_domain()[:3],
            [
                ("date_deadline", ">=", today),
                (
                    "date_deadline",
                    "<=",
                    today + relativedelta(days=90),
                ),
                ("user_id", "=", self.manager.id),
            ],
        )

    def test_parsed_once_and_stored_bad_domain_skipped(self):
        text = '[("expected_revenue", ">", 10)]'
        parse_domain_text.cache_clear()
        evaluate_domain_text(text, 1, fields.Date.today())
        evaluate_domain_text(text, 2, fields.Date.today())
        self.assertEqual(parse_domain_text.cache_info().misses, 1)
        with self.assertRaises(DomainTextError):
            evaluate_domain_text("[x for x in range(10**9)]", 1, fields.Date.today())
        # Stored in SQL (an old version): never evaluated, reported broken.
        criterion = self._criterion('[("expected_revenue", ">", 10)]')
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_stage_exit_criterion SET domain = %s WHERE id = %s",
            ['[("id", "in", [x for x in range(10**8)])]', criterion.id],
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        lead = self._opportunity("Broken domain", expected_revenue=100)
        self.assertIsNone(criterion._pilot_satisfied_lead_ids(lead))
