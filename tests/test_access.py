# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PilotCommon, new_pilot_user

# The access matrix as designed: for each model of the add-on and each group,
# what a member may do: r = read, w = write, c = create, u = unlink (delete);
# "-" = nothing. Record rules come on top (own documents, multi-company,
# personal weekly reviews): the records used here are visible to every
# internal user, so that the matrix checks the access rights themselves.
#   own     sales_team.group_sale_salesman (own documents only)
#   all     sales_team.group_sale_salesman_all_leads
#   manager sales_team.group_sale_manager (implies the bypass group)
#   bypass  crm_pipeline_pilot.group_exit_criteria_bypass on top of "own"
#   portal  base.group_portal
#   public  base.group_public
ACCESS_MATRIX = """
model                               own   all   manager  bypass  portal  public
crm.stage.exit.criterion            r     r     rwcu     r       -       -
crm.stage.exit.criterion.stat       r     r     r        r       -       -
crm.lead.follow.up.log              -     -     r        -       -       -
crm.lead.stage.history              r     r     r        r       -       -
crm.lead.close.date.change          r     r     r        r       -       -
crm.slip.reason                     r     r     rwcu     r       -       -
crm.pipeline.report                 r     r     r        r       -       -
crm.pipeline.forecast               r     r     r        r       -       -
crm.pipeline.snapshot               r     r     r        r       -       -
crm.pipeline.target                 r     r     rwcu     r       -       -
crm.pipeline.kpi                    r     r     rwcu     r       -       -
crm.pipeline.review                 rwc   rwc   rwcu     rwc     -       -
crm.pipeline.review.line            r     r     r        r       -       -
crm.pipeline.kpi.value              r     r     r        r       -       -
crm.stage.exit.bypass               -     -     rwcu     rwcu    -       -
crm.stage.recommended.pipeline      -     -     rwcu     -       -       -
crm.stage.probability.apply         -     -     rwcu     -       -       -
crm.forecast.submission             rwcu  rwcu  rwcu     rwcu    -       -
crm.forecast.submission.change      r     r     r        r       -       -
crm.forecast.backtest               r     r     rwcu     r       -       -
crm.forecast.backtest.result        r     r     r        r       -       -
crm.forecast.backtest.detail        -     -     r        -       -       -
crm.forecast.backtest.month         -     -     r        -       -       -
crm.lead.slip                       rwcu  rwcu  rwcu     rwcu    -       -
crm.qualification.rule              r     r     rwcu     r       -       -
crm.next.action.rule                r     r     rwcu     r       -       -
crm.won.reason                      r     r     rwcu     r       -       -
crm.lead.pilot.won                  rwcu  rwcu  rwcu     rwcu    -       -
crm.lead.evidence                   r     r     r        r       -       -
"""


GROUPS = {
    "own": "sales_team.group_sale_salesman",
    "all": "sales_team.group_sale_salesman_all_leads",
    "manager": "sales_team.group_sale_manager",
    "bypass": "sales_team.group_sale_salesman,crm_pipeline_pilot.group_exit_criteria_bypass",
    "portal": "base.group_portal",
    "public": "base.group_public",
}


INTERNAL = ("own", "all", "manager", "bypass")

# A stored field of each model, read to check the read access.


READ_FIELD = {
    "crm.stage.exit.criterion": "name",
    "crm.stage.exit.criterion.stat": "met_win_rate",
    "crm.lead.follow.up.log": "interaction_date",
    "crm.lead.stage.history": "date_in",
    "crm.lead.close.date.change": "date_changed",
    "crm.slip.reason": "name",
    "crm.pipeline.report": "expected_revenue",
    "crm.pipeline.forecast": "expected_revenue",
    "crm.pipeline.snapshot": "lead_count",
    "crm.pipeline.target": "revenue_target",
    "crm.pipeline.kpi": "action",
    "crm.pipeline.review": "date",
    "crm.pipeline.review.line": "current",
    "crm.pipeline.kpi.value": "amount",
    "crm.stage.exit.bypass": "justification",
    "crm.stage.recommended.pipeline": "team_id",
    "crm.stage.probability.apply": "stage_id",
    "crm.forecast.submission": "commit_amount",
    "crm.forecast.submission.change": "new_value",
    "crm.forecast.backtest": "months",
    "crm.forecast.backtest.result": "mape",
    "crm.forecast.backtest.detail": "forecast",
    "crm.forecast.backtest.month": "amount",
    "crm.lead.slip": "date_deadline",
    "crm.qualification.rule": "name",
    "crm.next.action.rule": "summary",
    "crm.won.reason": "name",
    "crm.lead.pilot.won": "won_reason_id",
    "crm.lead.evidence": "quote",
}


def parse_matrix(text):
    """{model: {group: "rwcu"}} from the table above."""
    lines = [line.split() for line in text.strip().splitlines()]
    header = lines[0][1:]
    return {
        row[0]: {
            group: perms.replace("-", "") for group, perms in zip(header, row[1:], strict=True)
        }
        for row in lines[1:]
    }


EXPECTED = parse_matrix(ACCESS_MATRIX)


class AccessMatrixCommon:
    """Users of each group and, per model, records and values to try."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Forecasts are made in a team of their own: users in several teams.
        cls.env["ir.config_parameter"].set_param("sales_team.membership_multi", True)
        cls.users = {
            key: new_pilot_user(
                cls.env,
                f"pilot_matrix_{key}",
                name=f"Matrix {key}",
                email=f"matrix_{key}@example.com",
                groups=groups,
            )
            for key, groups in GROUPS.items()
        }
        cls.team = cls.env["crm.team"].create({"name": "Matrix Team"})
        cls.stage = cls.env["crm.stage"].create({"name": "Matrix Stage", "sequence": 1})
        cls.stage_next = cls.env["crm.stage"].create({"name": "Matrix Next", "sequence": 2})
        # Nobody's opportunity: visible to every internal user.
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Matrix Deal",
                "type": "opportunity",
                "user_id": False,
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "expected_revenue": 1000,
            }
        )
        cls.step = cls.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        # The attrition KPI is deleted and created again by the manager.
        cls.kpi_line = cls.env.ref("crm_pipeline_pilot.crm_pipeline_kpi_win_rate")
        cls.counter = 0
        cls.backtest = cls.env["crm.forecast.backtest"].create({"months": 1})
        cls.message = cls.lead.message_post(body="Our budget is 40 k€", message_type="comment")

    @classmethod
    def _next(cls):
        cls.counter += 1
        return cls.counter

    def _unique_datetime(self):
        return fields.Datetime.to_string(datetime(2020, 1, 1) + timedelta(hours=self._next()))

    def _unique_month(self):
        # From January 2030 on, within the dates the add-on accepts (1900 to
        # 2199: 3,600 months, more than the matrix creates)
        n = (self._next() + 130 * 12) % 3600
        return fields.Date.to_string(date(1900 + n // 12, n % 12 + 1, 1))

    def _submission_team(self):
        """A sales team of every user of the matrix (a forecast per team and week)."""
        return self.env["crm.team"].create(
            {
                "name": f"Matrix Forecast Team {self._next()}",
                "member_ids": [(6, 0, [user.id for user in self.users.values() if not user.share])],
            }
        )

    def _unique_week(self):
        return fields.Date.to_string(date(2030, 1, 7) + timedelta(weeks=self._next()))

    def _criterion(self):
        return self.env["crm.stage.exit.criterion"].create(
            {"name": "Matrix win rates", "stage_id": self.stage.id, "criterion_type": "manual"}
        )

    def _unique_past_week(self):
        """A week that has started (weekly reviews), a new one each time."""
        return fields.Date.to_string(date(1980, 1, 2) + timedelta(weeks=self._next()))

    def _create_vals(self, model):
        """Valid values (JSON-compatible, for RPC too) to create a record."""
        return {
            "crm.stage.exit.criterion": {
                "name": "Matrix criterion",
                "stage_id": self.stage.id,
                "criterion_type": "manual",
            },
            "crm.stage.exit.criterion.stat": {"criterion_id": self._criterion().id},
            "crm.lead.follow.up.log": {
                "lead_id": self.lead.id,
                "automation_id": self.step.id,
                "interaction_date": self._unique_datetime(),
            },
            "crm.lead.stage.history": {
                "lead_id": self.lead.id,
                "stage_id": self.stage.id,
                "date_in": self._unique_datetime(),
            },
            "crm.lead.close.date.change": {
                "lead_id": self.lead.id,
                "date_new": "2030-01-31",
                "date_changed": self._unique_datetime(),
            },
            "crm.slip.reason": {"name": "Matrix slip reason"},
            "crm.pipeline.report": {"lead_id": self.lead.id},
            "crm.pipeline.forecast": {"lead_id": self.lead.id},
            # One snapshot per week and key: a new week each time.
            "crm.pipeline.snapshot": {"date": self._unique_week(), "lead_count": 1},
            "crm.pipeline.target": {"team_id": self.team.id, "month": self._unique_month()},
            # The code freed by the unlink tried just before.
            "crm.pipeline.kpi": {"name": "Attrition", "code": "attrition"},
            # One review per week and teams: a new week each time.
            "crm.pipeline.review": {
                "date": self._unique_past_week(),
                "team_ids": [[6, 0, [self.team.id]]],
            },
            "crm.pipeline.review.line": {"review_id": False, "kpi_id": self.kpi_line.id},
            "crm.pipeline.kpi.value": {
                "week": self._unique_week(),
                "team_id": self.team.id,
                "kpi_id": self.kpi_line.id,
                "series": "value",
                "amount": 1.0,
            },
            "crm.stage.exit.bypass": {
                "lead_ids": [[6, 0, [self.lead.id]]],
                "stage_id": self.stage_next.id,
                "justification": "Matrix",
            },
            "crm.stage.recommended.pipeline": {"team_id": self.team.id},
            "crm.stage.probability.apply": {"stage_id": self.stage.id},
            # The creator's own forecast (the salesperson by default), a new week each time.
            # The current week only, in a team of the user: a new team each time.
            "crm.forecast.submission": {"team_id": self._submission_team().id},
            "crm.forecast.submission.change": {
                "submission_id": self.env["crm.forecast.submission"]
                .create({"team_id": self._submission_team().id})
                .id,
                "field_name": "comment",
                "new_value": "Matrix",
            },
            "crm.forecast.backtest": {"months": 3},
            "crm.forecast.backtest.result": {
                "backtest_id": self.backtest.id,
                "team_id": self.team.id,
                "method": "history",
            },
            "crm.forecast.backtest.detail": {
                "backtest_id": self.backtest.id,
                "team_id": self.team.id,
                "method": "history",
                "month": "2026-01-01",
            },
            "crm.forecast.backtest.month": {"team_id": self.team.id},
            "crm.lead.slip": {"lead_ids": [[6, 0, [self.lead.id]]], "date_deadline": "2030-01-31"},
            "crm.qualification.rule": {
                "name": "Matrix rule",
                "dimension": "need",
                "criterion_type": "manual",
            },
            "crm.next.action.rule": {
                "name": "Matrix action",
                "condition": "no_activity",
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": "Matrix",
            },
            "crm.won.reason": {"name": "Matrix won reason"},
            "crm.lead.pilot.won": {"lead_ids": [[6, 0, [self.lead.id]]]},
            "crm.lead.evidence": {
                "lead_id": self.lead.id,
                "message_id": self.message.id,
                "kind": "budget",
                "quote": "Our budget is 40 k€",
                "amount": 40000.0,
            },
        }[model]

    def _write_vals(self, model):
        return {
            "crm.stage.exit.criterion": {"name": "Matrix renamed"},
            "crm.stage.exit.criterion.stat": {"met_win_rate": 99.0},
            "crm.lead.follow.up.log": {"interaction_date": self._unique_datetime()},
            "crm.lead.stage.history": {"days": 2.0},
            "crm.lead.close.date.change": {"pushed": True},
            "crm.slip.reason": {"name": "Matrix slip reason renamed"},
            "crm.pipeline.report": {"expected_revenue": 1.0},
            "crm.pipeline.forecast": {"expected_revenue": 1.0},
            "crm.pipeline.snapshot": {"lead_count": 3},
            "crm.pipeline.target": {"revenue_target": 5000.0},
            "crm.pipeline.kpi": {"action": "Call them"},
            "crm.pipeline.review": {"date": self._unique_past_week()},
            "crm.pipeline.review.line": {"current": 99.0},
            "crm.pipeline.kpi.value": {"amount": 3.0},
            "crm.stage.exit.bypass": {"justification": "Matrix changed"},
            "crm.stage.recommended.pipeline": {"team_id": False},
            "crm.stage.probability.apply": {"stage_id": self.stage_next.id},
            "crm.forecast.submission": {"comment": "Matrix"},
            "crm.forecast.submission.change": {"new_value": "Forged"},
            "crm.forecast.backtest": {"months": 4},
            "crm.forecast.backtest.result": {"mape": 1.0},
            "crm.forecast.backtest.detail": {"forecast": 1.0},
            "crm.forecast.backtest.month": {"amount": 1.0},
            "crm.lead.slip": {"date_deadline": "2030-02-28"},
            "crm.qualification.rule": {"name": "Matrix rule renamed"},
            "crm.next.action.rule": {"summary": "Matrix changed"},
            "crm.won.reason": {"name": "Matrix won reason renamed"},
            "crm.lead.pilot.won": {"lead_ids": [[6, 0, [self.lead.id]]]},
            "crm.lead.evidence": {"state": "accepted"},
        }[model]

    def _fixture(self, model, user):
        """A fresh record of ``model`` that ``user`` is allowed to see by the
        record rules (transient records are created by ``user``)."""
        env = self.env
        as_user = env[model].with_user(user).sudo()  # sudo keeps the user as creator
        if model in ("crm.pipeline.report", "crm.pipeline.forecast"):
            record = env[model].search([("lead_id", "=", self.lead.id)])
            self.assertEqual(len(record), 1)
            return record
        if model == "crm.pipeline.kpi":
            return env[model].search([("code", "=", "attrition")])
        if model == "crm.forecast.backtest.month":
            # A point of the SQL view: the months of a back-test with a line.
            Detail = env["crm.forecast.backtest.detail"]
            if not Detail.search_count([("backtest_id", "=", self.backtest.id)]):
                Detail.create(self._create_vals("crm.forecast.backtest.detail"))
            return env[model].search([("backtest_id", "=", self.backtest.id)], limit=1)
        if model == "crm.pipeline.kpi.value":
            # The values of the user's own scope: visible to them.
            return env[model].create(dict(self._create_vals(model), scope_user_id=user.id))
        if model == "crm.pipeline.review" and not user.has_group("sales_team.group_sale_salesman"):
            # No review of their own (they see no opportunity): a team review.
            return env[model].create(self._create_vals(model))
        if model == "crm.forecast.submission.change":
            # The trace of a forecast of the user: visible to them.
            submission = env["crm.forecast.submission"].create(
                {"team_id": self._submission_team().id, "user_id": user.id}
            )
            return env[model].create(dict(self._create_vals(model), submission_id=submission.id))
        if model in ("crm.pipeline.review", "crm.forecast.submission", "crm.lead.pilot.won"):
            return as_user.create(self._create_vals(model)).sudo(False)
        if model == "crm.pipeline.review.line":
            review = self._fixture("crm.pipeline.review", user)
            self.assertEqual(len(review.sudo().line_ids), 7)
            return review.sudo().line_ids[:1].sudo(False)
        if model == "crm.lead.slip" or (
            model.startswith("crm.stage.") and model != "crm.stage.exit.criterion"
        ):
            return as_user.create(self._create_vals(model)).sudo(False)
        return env[model].create(self._create_vals(model))

    def _review_line_create_vals(self, user):
        review = self._fixture("crm.pipeline.review", user)
        return dict(self._create_vals("crm.pipeline.review.line"), review_id=review.id)


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixCommon, PilotCommon):
    """The matrix through the ORM, as each user: every operation is really
    performed; a refused one raises AccessError."""

    def _check(self, model, group, expected):
        user = self.users[group]
        record = self._fixture(model, user).with_user(user)
        create_vals = (
            self._review_line_create_vals(user)
            if model == "crm.pipeline.review.line"
            else self._create_vals(model)
        )
        self.env.invalidate_all()
        operations = [
            ("r", lambda: record.read([READ_FIELD[model]])),
            ("w", lambda: record.write(self._write_vals(model))),
            ("u", record.unlink),
            ("c", lambda: self.env[model].with_user(user).create(create_vals)),
        ]
        for operation, call in operations:
            if operation in expected:
                result = call()
                if operation == "r":
                    self.assertEqual(result[0]["id"], record.id)
                elif operation == "u":
                    self.assertFalse(record.sudo().exists())
                elif operation == "c":
                    self.assertTrue(result.exists())
            else:
                with self.assertRaises(AccessError, msg=f"{operation} must be refused"):
                    call()

    def test_access_matrix(self):
        self.assertEqual(set(EXPECTED), set(READ_FIELD))
        for model, by_group in EXPECTED.items():
            for group, expected in by_group.items():
                with self.subTest(model=model, group=group, expected=expected or "-"):
                    self._check(model, group, expected)

    def test_matrix_covers_every_model_of_the_addon(self):
        """A new model of the add-on must be added to the matrix."""
        models = {
            name
            for name, model in self.env.registry.items()
            if model._original_module == "crm_pipeline_pilot" and not model._abstract
        }
        self.assertEqual(models, set(EXPECTED))

    def test_groups_of_the_users(self):
        users = self.users
        self.assertTrue(users["manager"].has_group("crm_pipeline_pilot.group_exit_criteria_bypass"))
        self.assertFalse(users["all"].has_group("crm_pipeline_pilot.group_exit_criteria_bypass"))
        self.assertFalse(users["bypass"].has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(users["portal"].share)
        self.assertTrue(users["public"].share)
