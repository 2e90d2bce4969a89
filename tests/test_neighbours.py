# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Next to OCA's CRM add-ons (docs/integrators.md), without them: the
mechanisms are checked here on stand-ins of their groups and fields; with
them installed, the tests of tests_oca/ (scripts/test_oca.sh) check the real
thing."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models.neighbours import crm_only_access
from .common import PilotCommon, new_pilot_user

STAND_IN = "crm_pipeline_pilot_stand_in"


@tagged("post_install", "-at_install")
class TestCrmOnlyAccess(PilotCommon):
    """Users of "CRM only" groups (crm_security_group) who are in no sales
    group get from this add-on what the matching sales group gets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Groups, Data = cls.env["res.groups"], cls.env["ir.model.data"]
        cls.crm_own = Groups.create({"name": "CRM only: own documents (stand-in)"})
        cls.crm_all = Groups.create(
            {"name": "CRM only: all documents (stand-in)", "implied_ids": [(4, cls.crm_own.id)]}
        )
        cls.crm_manager = Groups.create(
            {"name": "CRM only: administrator (stand-in)", "implied_ids": [(4, cls.crm_all.id)]}
        )
        for name, group in (
            ("own", cls.crm_own),
            ("all", cls.crm_all),
            ("manager", cls.crm_manager),
        ):
            Data.create(
                {"module": STAND_IN, "name": name, "model": "res.groups", "res_id": group.id}
            )
        cls.groups_map = {
            "sales_team.group_sale_salesman": f"{STAND_IN}.own",
            "sales_team.group_sale_salesman_all_leads": f"{STAND_IN}.all",
            "sales_team.group_sale_manager": f"{STAND_IN}.manager",
        }
        # Reading a lead's stage history needs crm.lead: crm_security_group's
        # own access right, given here to the stand-in.
        cls.env["ir.model.access"].create(
            {
                "name": "crm.lead stand-in",
                "model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "group_id": cls.crm_own.id,
                "perm_read": True,
            }
        )
        cls.crm_user = new_pilot_user(cls.env, "pilot_crm_only", groups=f"{STAND_IN}.own")
        cls.crm_user_all = new_pilot_user(cls.env, "pilot_crm_only_all", groups=f"{STAND_IN}.all")
        cls.own_lead = cls._opportunity("CRM only: own deal", user_id=cls.crm_user.id)
        cls.other_lead = cls._opportunity("CRM only: other deal")
        cls.stage_next = cls.env["crm.stage"].create({"name": "Pilot Next", "sequence": 2})
        (cls.own_lead | cls.other_lead).write({"stage_id": cls.stage_next.id})

    def _sync(self):
        with patch.dict(crm_only_access.CRM_ONLY_GROUPS, self.groups_map, clear=True):
            self.env["res.groups"]._pilot_sync_crm_only_access()

    def _copies(self):
        """The external identifiers of the access rights copied for the stand-ins."""
        return (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_pipeline_pilot"), ("model", "=", "ir.model.access")])
            .filtered(lambda d: d.name.endswith(("__own", "__all", "__manager")))
        )

    def _history_leads(self, user):
        History = self.env["crm.lead.stage.history"].with_user(user)
        return History.search([("lead_id", "in", (self.own_lead | self.other_lead).ids)]).lead_id

    def test_stage_history_follows_the_crm_groups(self):
        self._sync()
        self.assertEqual(self._history_leads(self.crm_user), self.own_lead)
        self.assertEqual(self._history_leads(self.crm_user_all), self.own_lead | self.other_lead)
        # A salesperson keeps exactly their access: their own deals.
        self.assertEqual(self._history_leads(self.salesman), self.other_lead)

    def test_copies_match_the_sales_access_rights(self):
        self._sync()
        Access = self.env["ir.model.access"]
        expected = {}
        for sales_xmlid, crm_xmlid in self.groups_map.items():
            sales, crm = self.env.ref(sales_xmlid), self.env.ref(crm_xmlid)
            ours = Access.browse(
                self.env["ir.model.data"]
                .search([("module", "=", "crm_pipeline_pilot"), ("model", "=", "ir.model.access")])
                .mapped("res_id")
            )
            for access in ours.filtered(lambda a, g=sales: a.group_id == g):
                key = (access.model_id.model, crm.id)
                expected[key] = (
                    access.perm_read,
                    access.perm_write,
                    access.perm_create,
                    access.perm_unlink,
                )
        copies = Access.browse(self._copies().mapped("res_id"))
        self.assertEqual(
            {
                (c.model_id.model, c.group_id.id): (
                    c.perm_read,
                    c.perm_write,
                    c.perm_create,
                    c.perm_unlink,
                )
                for c in copies
            },
            expected,
        )
        self.assertEqual(len(copies), len(expected))
        self.assertTrue(all(self._copies().mapped("noupdate")))
        # Idempotent: a second pass (every upgrade) adds nothing.
        self._sync()
        self.assertEqual(len(self._copies()), len(expected))
        # Kept in step with the original's permissions.
        original = self.env.ref("crm_pipeline_pilot.access_crm_lead_stage_history_salesman")
        original.perm_write = True
        self._sync()
        copy = self.env.ref("crm_pipeline_pilot.access_crm_lead_stage_history_salesman__own")
        self.assertEqual(
            (copy.group_id, copy.perm_read, copy.perm_write), (self.crm_own, True, True)
        )

    def test_rules_and_menus_name_the_crm_groups(self):
        # (where crm_security_group is installed, its groups are there already)
        rule = self.env.ref("crm_pipeline_pilot.crm_lead_stage_history_rule_personal")
        menu = self.env.ref("crm_pipeline_pilot.crm_won_reason_menu")
        rule_groups, menu_groups = rule.groups, menu.groups_id
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), rule_groups)
        self._sync()
        self.assertEqual(rule.groups, rule_groups | self.crm_own)
        self.assertEqual(menu.groups_id, menu_groups | self.crm_manager)

    def test_deleting_a_crm_group_removes_its_copies(self):
        rule = self.env.ref("crm_pipeline_pilot.crm_lead_stage_history_rule_personal")
        rule_groups = rule.groups
        self._sync()
        copies = self._copies()
        own_copies = copies.filtered(lambda d: d.name.endswith("__own")).mapped("res_id")
        self.assertTrue(own_copies)
        self.env["ir.model.access"].search([("group_id", "=", self.crm_own.id)]).filtered(
            lambda a: a.name == "crm.lead stand-in"
        ).unlink()
        with patch.dict(crm_only_access.CRM_ONLY_GROUPS, self.groups_map, clear=True):
            self.crm_own.unlink()
        self.assertFalse(self.env["ir.model.access"].browse(own_copies).exists())
        self.assertEqual(rule.groups, rule_groups)

    def test_nothing_without_crm_security_group(self):
        with patch.dict(
            crm_only_access.CRM_ONLY_GROUPS,
            {
                "sales_team.group_sale_salesman": f"{STAND_IN}.missing",
            },
            clear=True,
        ):
            self.env["res.groups"]._pilot_sync_crm_only_access()
        self.assertFalse(self._copies())
        # The access of a user in no sales group, as before this add-on knew
        # of crm_security_group: refused.
        with self.assertRaises(AccessError):
            self._history_leads(self.crm_user)


@tagged("post_install", "-at_install")
class TestNeighbourStageValues(PilotCommon):
    """The recommended pipeline creates its stages through the ORM: every
    field it does not set takes its default (the neighbours' fields follow
    the rules of models/neighbours/crm_stage.py, tested in tests_oca/)."""

    def test_created_stages_take_the_defaults(self):
        team = self.env["crm.team"].create({"name": "Defaults team", "pilot_own_stages_only": True})
        stages = self.env["crm.stage"].action_apply_recommended_pipeline(team_id=team.id)
        defaults = self.env["crm.stage"].default_get(["pilot_probability", "fold"])
        created = stages.filtered(lambda s: s.team_id == team)
        self.assertEqual(len(created), 5)
        self.assertEqual(
            set(created.mapped(lambda s: (s.pilot_probability, s.fold))),
            {(defaults["pilot_probability"], defaults.get("fold", False))},
        )
