# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import PilotCommon, PilotRpcMixin, new_pilot_user

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
crm.lead.slip                       rwcu  rwcu  rwcu     rwcu    -       -
crm.qualification.rule              r     r     rwcu     r       -       -
crm.next.action.rule                r     r     rwcu     r       -       -
crm.won.reason                      r     r     rwcu     r       -       -
crm.lead.pilot.won                  rwcu  rwcu  rwcu     rwcu    -       -
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
    "crm.lead.slip": "date_deadline",
    "crm.qualification.rule": "name",
    "crm.next.action.rule": "summary",
    "crm.won.reason": "name",
    "crm.lead.pilot.won": "won_reason_id",
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
            "crm.lead.slip": {"date_deadline": "2030-02-28"},
            "crm.qualification.rule": {"name": "Matrix rule renamed"},
            "crm.next.action.rule": {"summary": "Matrix changed"},
            "crm.won.reason": {"name": "Matrix won reason renamed"},
            "crm.lead.pilot.won": {"lead_ids": [[6, 0, [self.lead.id]]]},
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


@tagged("post_install", "-at_install")
class TestAccessRecordRules(AccessMatrixCommon, PilotCommon):
    """What the record rules add to the matrix."""

    def _legacy_salesperson_target(self, user):
        """A target of one salesperson, as earlier versions allowed (new ones
        are refused): inserted in SQL."""
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO crm_pipeline_target (team_id, user_id, company_id, month)
                    VALUES (%s, %s, %s, '2026-03-01') RETURNING id""",
            [self.team.id, user.id, self.team.company_id.id or None],
        )
        return self.env["crm.pipeline.target"].browse(self.env.cr.fetchone()[0])

    def test_targets_follow_lead_visibility(self):
        colleague = self._legacy_salesperson_target(self.users["all"])
        mine = self._legacy_salesperson_target(self.users["own"])
        team = self.env["crm.pipeline.target"].create(
            {"team_id": self.team.id, "month": "2026-03-01"}
        )
        domain = [("team_id", "=", self.team.id)]
        Target = self.env["crm.pipeline.target"]
        self.assertEqual(Target.with_user(self.users["own"]).search(domain), mine | team)
        with self.assertRaises(AccessError):
            colleague.with_user(self.users["own"]).read(["revenue_target"])
        self.assertEqual(
            Target.with_user(self.users["all"]).search(domain), colleague | mine | team
        )

    def test_snapshots_follow_lead_visibility(self):
        self.lead.write({"user_id": self.users["all"].id, "team_id": self.team.id})
        mine = self.env["crm.lead"].create(
            {
                "name": "Matrix mine",
                "type": "opportunity",
                "user_id": self.users["own"].id,
                "team_id": self.team.id,
            }
        )
        self.assertTrue(mine)
        self.env["crm.pipeline.snapshot"]._take_snapshot(date(2026, 3, 4))
        domain = [("team_id", "=", self.team.id)]
        Snapshot = self.env["crm.pipeline.snapshot"]
        self.assertEqual(Snapshot.with_user(self.users["own"]).search(domain).user_id, mine.user_id)
        self.assertEqual(
            Snapshot.with_user(self.users["all"]).search(domain).user_id,
            self.users["own"] | self.users["all"],
        )

    def test_weekly_reviews_follow_lead_visibility(self):
        """A review of the whole team (a manager's) is seen by those who see
        every opportunity; a salesperson limited to their own documents gets
        the review of their own opportunities, seen by them and by those who
        see everything, not by another salesperson. Lines and weekly values
        likewise; the scope cannot be chosen by the client."""
        self.env["crm.lead"].create(
            {
                "name": "Matrix colleague deal",
                "type": "opportunity",
                "user_id": self.users["all"].id,
                "team_id": self.team.id,
                "stage_id": self.stage.id,
                "expected_revenue": 5000,
            }
        )
        today = fields.Date.today()
        Review = self.env["crm.pipeline.review"]
        team_review = Review.with_user(self.users["manager"]).create(
            {"date": today, "team_ids": [(6, 0, self.team.ids)]}
        )
        # The client asks for the whole team: the scope is the user's.
        own_review = Review.with_user(self.users["own"]).create(
            {"date": today, "team_ids": [(6, 0, self.team.ids)], "scope_user_id": False}
        )
        self.assertFalse(team_review.scope_user_id)
        self.assertEqual(own_review.scope_user_id, self.users["own"])

        def pipeline(review):
            line = review.sudo().line_ids.filtered(
                lambda line: line.kpi_id.code == "pipeline_value"
            )
            return line.current

        self.assertEqual(pipeline(team_review), 6000.0)
        self.assertEqual(pipeline(own_review), 1000.0)  # the unassigned deal only
        visible = {
            "own": own_review,
            "bypass": Review.browse(),
            "all": team_review | own_review,
            "manager": team_review | own_review,
        }
        Value = self.env["crm.pipeline.kpi.value"]
        for key, expected in visible.items():
            with self.subTest(user=key):
                user = self.users[key]
                reviews = Review.with_user(user).search([("team_ids", "in", self.team.ids)])
                self.assertEqual(reviews, expected)
                lines = (
                    self.env["crm.pipeline.review.line"]
                    .with_user(user)
                    .search([("team_id", "=", self.team.id)])
                )
                self.assertEqual(lines.review_id, expected)
                values = Value.with_user(user).search([("team_id", "=", self.team.id)])
                self.assertEqual(set(values.mapped("scope_user_id")), set(expected.scope_user_id))
                self.assertEqual(len(values), 14 * len(expected))
                for review in (team_review | own_review) - expected:
                    with self.assertRaises(AccessError):
                        review.with_user(user).read(["date"])
                    with self.assertRaises(AccessError):
                        review.line_ids.with_user(user).read(["current"])
                    with self.assertRaises(AccessError):
                        review.with_user(user).action_export_xlsx()
        # A salesperson cannot write the scope of their review either.
        own_review.with_user(self.users["own"]).write({"scope_user_id": False})
        self.assertEqual(own_review.scope_user_id, self.users["own"])

    def test_review_lines_are_computed_not_typed(self):
        review = self._fixture("crm.pipeline.review", self.users["own"])
        line = review.line_ids[:1]
        current = line.current
        with self.assertRaises(AccessError):
            line.write({"current": current + 1000})
        with self.assertRaises(AccessError):
            review.write({"line_ids": [(1, line.id, {"current": current + 1000})]})
        with self.assertRaises(AccessError):
            review.write({"line_ids": [(0, 0, {"kpi_id": self.kpi_line.id, "current": 1})]})
        line.invalidate_recordset()
        self.assertEqual(line.current, current)
        self.assertEqual(len(review.line_ids), 7)
        # Refreshing recomputes them as the user.
        review.action_refresh()
        self.assertEqual(len(review.line_ids), 7)

    def test_bypass_member_forces_only_the_leads_they_may_edit(self):
        """The bypass group on top of a salesperson limited to own documents."""
        self.env["crm.stage.exit.criterion"].create(
            {"name": "Matrix signed", "stage_id": self.stage.id, "criterion_type": "manual"}
        )
        member = self.users["bypass"]
        mine = self.lead
        mine.write({"user_id": member.id, "team_id": self.team.id})
        other = self.env["crm.lead"].create(
            {
                "name": "Matrix other",
                "type": "opportunity",
                "user_id": self.users["all"].id,
                "team_id": self.team.id,
                "stage_id": self.stage.id,
            }
        )
        with self.assertRaisesMessage(UserError, "Matrix signed"):
            mine.with_user(member).write({"stage_id": self.stage_next.id})
        Wizard = self.env["crm.stage.exit.bypass"].with_user(member)
        with self.assertRaises(AccessError):
            Wizard.create(
                {
                    "lead_ids": [(6, 0, other.ids)],
                    "stage_id": self.stage_next.id,
                    "justification": "Not mine",
                }
            ).action_confirm()
        self.assertEqual(other.stage_id, self.stage)
        wizard = Wizard.create(
            {
                "lead_ids": [(6, 0, mine.ids)],
                "stage_id": self.stage_next.id,
                "justification": "Signed on paper",
            }
        )
        wizard.action_confirm()
        self.assertEqual(mine.stage_id, self.stage_next)


@tagged("post_install", "-at_install")
class TestProtectedLeadFields(AccessMatrixCommon, PilotCommon):
    """Fields of crm.lead maintained by the application: nobody writes them."""

    def test_maintained_fields_refused(self):
        lead = self.lead
        lead.user_id = self.users["own"]
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_interaction = '2020-01-01' WHERE id = %s", [lead.id]
        )
        lead.invalidate_recordset()
        before = lead.read(
            ["reached_proposal_stage", "date_last_interaction", "date_last_amount_revision"]
        )[0]
        future = fields.Datetime.now() + timedelta(days=365)
        for key in ("own", "manager"):
            for fname, value in (
                ("reached_proposal_stage", True),
                ("date_last_interaction", future),
                ("date_last_amount_revision", future),
            ):
                with (
                    self.subTest(user=key, field=fname),
                    self.assertRaisesMessage(AccessError, "maintained by the application"),
                ):
                    lead.with_user(self.users[key]).write({fname: value, "name": "Changed"})
        lead.invalidate_recordset()
        self.assertEqual(lead.name, "Matrix Deal")
        self.assertEqual(
            lead.read(
                ["reached_proposal_stage", "date_last_interaction", "date_last_amount_revision"]
            )[0],
            before,
        )
        Lead = self.env["crm.lead"].with_user(self.users["own"])
        with self.assertRaisesMessage(AccessError, "maintained by the application"):
            Lead.create({"name": "Faked", "reached_proposal_stage": True})
        with self.assertRaisesMessage(AccessError, "maintained by the application"):
            Lead.with_context(default_date_last_interaction=future).create({"name": "Faked"})
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Faked")]))
        # The application itself still maintains them for the salesperson.
        lead.with_user(self.users["own"]).write(
            {"stage_id": self.stage_next.id, "expected_revenue": 2000}
        )
        self.assertGreater(lead.date_last_interaction, datetime(2020, 1, 1))
        self.assertTrue(lead.date_last_amount_revision)

    def test_stage_history_not_writable_through_the_lead(self):
        lead = self.lead.with_user(self.users["own"])
        row = self.lead.stage_history_ids
        self.assertEqual(len(row), 1)
        for command in (
            [(0, 0, {"stage_id": self.stage_next.id, "date_in": fields.Datetime.now()})],
            [(1, row.id, {"days": 99})],
            [(2, row.id)],
        ):
            with self.subTest(command=command[0][0]), self.assertRaises(AccessError):
                lead.write({"stage_history_ids": command})
        self.assertEqual(self.lead.stage_history_ids, row)
        self.assertFalse(row.days)


@tagged("post_install", "-at_install")
class TestAccessMatrixRpc(AccessMatrixCommon, PilotRpcMixin, HttpCase):
    """The same matrix through JSON-RPC (/web/dataset/call_kw), as the web
    client or an external script calls it, logged in as each user."""

    def _check_rpc(self, model, group, expected):
        user = self.users[group]
        record = self._fixture(model, user)
        create_vals = (
            self._review_line_create_vals(user)
            if model == "crm.pipeline.review.line"
            else self._create_vals(model)
        )
        calls = [
            ("r", "read", [[record.id], [READ_FIELD[model]]]),
            ("w", "write", [[record.id], self._write_vals(model)]),
            ("u", "unlink", [[record.id]]),
            ("c", "create", [create_vals]),
        ]
        for operation, method, args in calls:
            response = self._call_kw(model, method, args)
            if operation in expected:
                self.assertNotIn("error", response, f"{method} must be allowed")
                if operation == "r":
                    self.assertEqual(response["result"][0]["id"], record.id)
            else:
                error = response.get("error")
                self.assertTrue(error, f"{method} must be refused")
                self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.env.invalidate_all()
        self.assertEqual(bool(record.sudo().exists()), "u" not in expected)

    def test_access_matrix_rpc(self):
        for group in (*INTERNAL, "portal"):
            user = self.users[group]
            self._login(user)
            for model, by_group in EXPECTED.items():
                expected = by_group[group]
                with self.subTest(model=model, group=group, expected=expected or "-"):
                    self._check_rpc(model, group, expected)

    def test_public_rpc_refused(self):
        """Without a session (public visitor), no RPC reaches the models."""
        self.authenticate(None, None)
        for model in EXPECTED:
            for method, args in (
                ("search_read", [[], [READ_FIELD[model]]]),
                ("create", [self._create_vals(model)]),
            ):
                with self.subTest(model=model, method=method):
                    error = self._call_kw(model, method, args).get("error")
                    self.assertTrue(error)
                    self.assertEqual(error["data"]["name"], "odoo.http.SessionExpiredException")

    def test_rpc_salesman_cannot_fake_maintained_fields(self):
        user = self.users["own"]
        self.lead.user_id = user
        self._login(user)
        for fname, value in (
            ("reached_proposal_stage", True),
            ("date_last_interaction", "2100-01-01 00:00:00"),
            ("date_last_amount_revision", "2100-01-01 00:00:00"),
        ):
            for method, args, kwargs in (
                ("write", [[self.lead.id], {fname: value}], {}),
                ("web_save", [[self.lead.id], {fname: value}], {"specification": {}}),
            ):
                with self.subTest(field=fname, method=method):
                    error = self._call_kw("crm.lead", method, args, kwargs).get("error")
                    self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
                    self.assertIn("maintained by the application", error["data"]["message"])
        error = self._call_kw(
            "crm.lead",
            "create",
            [{"name": "Faked by RPC"}],
            {"context": {"default_reached_proposal_stage": True}},
        ).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        error = self._call_kw(
            "crm.lead",
            "write",
            [[self.lead.id], {"stage_history_ids": [[2, self.lead.stage_history_ids.id]]}],
        ).get("error")
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.lead.invalidate_recordset()
        self.assertFalse(self.lead.reached_proposal_stage)
        self.assertLess(self.lead.date_last_interaction, datetime(2100, 1, 1))
        self.assertFalse(self.lead.date_last_amount_revision)
        self.assertEqual(len(self.lead.stage_history_ids), 1)
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Faked by RPC")]))
