# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Access: what the record rules add to the matrix, the fields of the
opportunity that only the application maintains, and the matrix over
JSON-RPC."""

from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import PilotCommon, PilotRpcMixin
from .test_access import EXPECTED, INTERNAL, READ_FIELD, AccessMatrixCommon


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
