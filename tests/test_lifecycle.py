# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.crm_pipeline_pilot.hooks import pre_init_hook, uninstall_hook

from .common import PilotCommon


@tagged("post_install", "-at_install")
class TestUninstallHook(TransactionCase):
    """What the uninstallation keeps: the add-on's "Follow-up" activity type
    stays with the activities that use it (the whole install, upgrade and
    uninstall cycle is checked on a populated database by scripts/lifecycle.sh)."""

    def setUp(self):
        super().setUp()
        self.follow_up = self.env.ref("crm_pipeline_pilot.mail_activity_type_follow_up")
        self.lead = self.env["crm.lead"].create({"name": "Uninstall hook", "type": "opportunity"})

    def _xmlid_count(self):
        return self.env["ir.model.data"].search_count(
            [
                ("module", "=", "crm_pipeline_pilot"),
                ("model", "=", "mail.activity.type"),
                ("res_id", "=", self.follow_up.id),
            ]
        )

    def test_used_follow_up_type_is_kept(self):
        self.env["mail.activity"].search([("activity_type_id", "=", self.follow_up.id)]).unlink()
        self.lead.activity_schedule(activity_type_id=self.follow_up.id, summary="Call back")
        self.assertEqual(self._xmlid_count(), 1)
        uninstall_hook(self.env)
        # Detached from the add-on: the uninstallation leaves it to its activity.
        self.assertEqual(self._xmlid_count(), 0)
        self.assertTrue(self.follow_up.exists())
        self.assertEqual(self.lead.activity_ids.activity_type_id, self.follow_up)

    def test_unused_follow_up_type_goes_with_the_add_on(self):
        self.env["mail.activity"].with_context(active_test=False).search(
            [("activity_type_id", "=", self.follow_up.id)]
        ).unlink()
        uninstall_hook(self.env)
        self.assertEqual(self._xmlid_count(), 1)


@tagged("post_install", "-at_install")
class TestInstallFill(PilotCommon):
    """The pre-init hook fills the stored computed fields of existing leads in
    bulk SQL (the ORM then skips its lead-by-lead computation): the values
    must be the ones the computes give. The install is replayed here by
    dropping the add-on's columns of crm_lead and running the hook again,
    then the fields are recomputed by the ORM and compared."""

    COMPUTED = (
        "margin_known",
        "estimated_margin",
        "estimated_margin_rate",
        "prorated_margin",
        "is_low_margin",
        "forecast_category",
    )
    FILLED = (
        *COMPUTED,
        "estimated_cost",
        "urgency",
        "reached_proposal_stage",
        "date_last_interaction",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        stages = {
            "pipeline": Stage.create({"name": "Fill Qualified", "sequence": 301}),
            "best_case": Stage.create(
                {"name": "Fill Proposal", "sequence": 302, "pilot_forecast_category": "best_case"}
            ),
            "commit": Stage.create(
                {"name": "Fill Negotiation", "sequence": 303, "pilot_forecast_category": "commit"}
            ),
            "omitted": Stage.create(
                {"name": "Fill On Hold", "sequence": 304, "pilot_forecast_category": "omitted"}
            ),
            # A won stage is Closed whatever its own category
            "closed": Stage.create(
                {
                    "name": "Fill Won",
                    "sequence": 305,
                    "is_won": True,
                    "pilot_forecast_category": "commit",
                }
            ),
        }
        cls.stages = stages
        cls.leads = {
            key: cls._opportunity(
                f"Fill {key}",
                stage_id=stage.id,
                expected_revenue=1000.0 * (index + 1),
                probability=10.0 * (index + 1),
                estimated_cost=250.0,
                urgency="3",
            )
            for index, (key, stage) in enumerate(stages.items())
        }
        cls.leads["lead"] = cls.env["crm.lead"].create({"name": "Fill lead", "type": "lead"})

    def _values(self, columns):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM crm_lead WHERE id = ANY(%s) ORDER BY id",
                SQL(", ").join(SQL.identifier(name) for name in columns),
                [lead.id for lead in self.leads.values()],
            )
        )
        return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in self.env.cr.fetchall()}

    def _replay_install(self, columns):
        """Drop ``columns`` of crm_lead (the report views that read them go
        too, in this rolled-back transaction) and run the pre-init hook."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "ALTER TABLE crm_lead %s",
                SQL(", ").join(
                    SQL("DROP COLUMN %s CASCADE", SQL.identifier(name)) for name in columns
                ),
            )
        )
        pre_init_hook(self.env)
        self.env.invalidate_all()

    def _recompute(self):
        leads = self.env["crm.lead"].browse([lead.id for lead in self.leads.values()])
        for name in self.COMPUTED:
            self.env.add_to_compute(leads._fields[name], leads)
        self.env.flush_all()

    def test_hook_fills_as_the_computes(self):
        """Install on existing leads (none of the columns exists yet): no cost,
        so the margin is unknown (0, low margin), normal urgency, the forecast
        category of the stage (Closed in won stages, Pipeline without a
        stage), the last interaction from the creation and the last stage
        change."""
        self._replay_install(self.FILLED)
        filled = self._values(self.FILLED)
        by_key = {key: filled[lead.id] for key, lead in self.leads.items()}
        for key, values in by_key.items():
            with self.subTest(lead=key):
                expected_category = "pipeline" if key == "lead" else key
                self.assertEqual(values["forecast_category"], expected_category)
                self.assertEqual(values["estimated_cost"], 0)
                self.assertIs(values["margin_known"], False)
                self.assertEqual(values["estimated_margin"], 0)
                self.assertEqual(values["estimated_margin_rate"], 0)
                self.assertEqual(values["prorated_margin"], 0)
                self.assertIs(values["is_low_margin"], True)
                self.assertEqual(values["urgency"], "1")
                self.assertIs(values["reached_proposal_stage"], False)
                lead = self.leads[key]
                self.assertEqual(
                    values["date_last_interaction"],
                    max(lead.create_date, lead.date_last_stage_update),
                )
        # The ORM's computes give the same values
        self._recompute()
        self.assertEqual(
            self._values(self.COMPUTED),
            {
                lead_id: {name: values[name] for name in self.COMPUTED}
                for lead_id, values in filled.items()
            },
        )

    def test_hook_fills_margins_from_an_existing_cost(self):
        """A cost column that already exists (another add-on's field of the
        same name) keeps its values, and the margins are computed from it."""
        columns = [name for name in self.FILLED if name != "estimated_cost"]
        self._replay_install(columns)
        filled = self._values(self.COMPUTED)
        commit = filled[self.leads["commit"].id]
        # 3,000 revenue, 250 cost, 30 % probability
        self.assertIs(commit["margin_known"], True)
        self.assertEqual(commit["estimated_margin"], 2750)
        self.assertAlmostEqual(float(commit["estimated_margin_rate"]), 91.6667, places=4)
        self.assertEqual(commit["prorated_margin"], 825)
        self.assertEqual(commit["forecast_category"], "commit")
        self._recompute()
        recomputed = self._values(self.COMPUTED)
        margins = ("margin_known", "estimated_margin", "prorated_margin", "forecast_category")
        for lead_id, values in filled.items():
            for name in margins:
                self.assertEqual(recomputed[lead_id][name], values[name], name)
            # The rate is stored at the field's precision by the ORM
            self.assertAlmostEqual(
                float(recomputed[lead_id]["estimated_margin_rate"]),
                float(values["estimated_margin_rate"]),
                places=2,
            )
