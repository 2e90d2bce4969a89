# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Follow-ups run by two workers at once, and written in the assignee's language."""

import threading

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, freeze_time, tagged

from .common import load_french
from .follow_up_common import ANCIENT, T0, FollowUpCommon, day


@tagged("post_install", "-at_install")
class TestFollowUpConcurrency(TransactionCase):
    """Two workers running the follow-ups at the same time, each with its own
    database transaction, on data really committed to the database."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            team = env["crm.team"].create({"name": "Pilot Concurrency Team"})
            leads = env["crm.lead"].create(
                [
                    {
                        "name": f"Concurrent deal {index}",
                        "type": "opportunity",
                        "user_id": env.ref("base.user_admin").id,
                        "team_id": team.id,
                    }
                    for index in range(30)
                ]
            )
            env.flush_all()
            cr.execute(
                "UPDATE crm_lead SET date_last_interaction = %s WHERE id = ANY(%s)",
                [ANCIENT, leads.ids],
            )
            self.team_id, self.lead_ids = team.id, leads.ids
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_activity")
            self.last_activity_id = cr.fetchone()[0]
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_lead_follow_up_log")
            self.last_log_id = cr.fetchone()[0]
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        """Remove what the test committed, including follow-ups the runs may
        have created on other opportunities of the database."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"pilot_automated": True})
            env["mail.activity"].search(
                [
                    "|",
                    "&",
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", self.lead_ids),
                    "&",
                    ("id", ">", self.last_activity_id),
                    ("pilot_follow_up_step_id", "!=", False),
                ]
            ).unlink()
            env["crm.lead.follow.up.log"].search([("id", ">", self.last_log_id)]).unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["crm.team"].browse(self.team_id).unlink()

    def _created_follow_ups_count(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT count(*) FROM mail_activity
                    WHERE id > %s AND pilot_follow_up_step_id IS NOT NULL""",
                [self.last_activity_id],
            )
            return cr.fetchone()[0]

    def _in_threads(self, *functions):
        """Run each function(env) in its own thread and transaction, started
        together; returns their results."""
        barrier = threading.Barrier(len(functions))
        results, errors = [None] * len(functions), []

        def target(index, function):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30)
                    results[index] = function(env)
            except Exception as error:  # reported by the assertion below
                errors.append(error)

        threads = [
            threading.Thread(target=target, args=(index, function))
            for index, function in enumerate(functions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        return results

    def _committed_follow_ups(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT res_id, pilot_follow_up_step_id, count(*)
                     FROM mail_activity
                    WHERE res_model = 'crm.lead' AND res_id = ANY(%s)
                 GROUP BY res_id, pilot_follow_up_step_id""",
                [self.lead_ids],
            )
            return cr.fetchall()

    def test_two_concurrent_runs(self):
        def run(env):
            return env["crm.lead"]._cron_pilot_follow_ups(batch_size=7)

        def run_committing_batches(env):
            return (
                env["crm.lead"]
                .with_context(pilot_follow_up_commit=True)
                ._cron_pilot_follow_ups(batch_size=7)
            )

        results = self._in_threads(run, run_committing_batches)
        # Exactly one escalation per opportunity (found 20+ years inactive).
        rows = self._committed_follow_ups()
        escalation = self.env.ref("crm_pipeline_pilot.automation_follow_up_escalation")
        self.assertEqual(sorted(rows), [(lead_id, escalation.id, 1) for lead_id in self.lead_ids])
        created = self._created_follow_ups_count()
        self.assertEqual(sum(results), created)
        # Both again, at once: nothing more.
        self.assertEqual(self._in_threads(run, run), [0, 0])
        self.assertEqual(self._created_follow_ups_count(), created)
        self.assertEqual(len(self._committed_follow_ups()), 30)

    def test_concurrent_claims(self):
        """Without the run lock, two transactions claiming the same leads for
        the same step: PostgreSQL makes the second wait for the first and
        gives it nothing."""
        step = self.env.ref("crm_pipeline_pilot.automation_follow_up_first")
        threshold = fields.Datetime.now()

        def claim(env):
            leads = env["crm.lead"].browse(self.lead_ids)
            return leads._pilot_claim_follow_up(
                env["base.automation"].browse(step.id),
                self.lead_ids,
                "date_last_interaction",
                threshold,
            )

        first, second = self._in_threads(claim, claim)
        self.assertEqual(sorted([first, second], key=len), [[], sorted(self.lead_ids)])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM crm_lead_follow_up_log WHERE lead_id = ANY(%s)",
                [self.lead_ids],
            )
            self.assertEqual(cr.fetchone()[0], 30)


@tagged("post_install", "-at_install")
class TestFollowUpLanguage(FollowUpCommon):
    """A follow-up is written in its assignee's language."""

    def test_follow_up_in_the_salespersons_language(self):
        load_french(self.env)
        french = self.env["res.users"].create(
            {
                "name": "Fanny Français",
                "login": "pilot_fanny",
                "lang": "fr_FR",
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        with freeze_time(T0):
            deal_fr = self._opportunity("Affaire", user_id=french.id, team_id=False)
            deal_en = self._opportunity("Deal")
        self.assertEqual(self._run(day(5)), 2)
        activity_fr, activity_en = self._follow_ups(deal_fr), self._follow_ups(deal_en)
        self.assertEqual(activity_fr.summary, "Relance : aucune interaction depuis un moment")
        self.assertEqual(
            str(activity_fr.note),
            "<p>Rien ne s'est passé sur cette opportunité depuis un moment. Contactez le "
            "client et planifiez une prochaine action datée.</p>"
            "<p>Action suggérée : Planifier la prochaine étape avec le client (Aucune "
            "activité planifiée avec échéance.)</p>",
        )
        self.assertEqual(activity_en.summary, "Follow up: no interaction for a while")
        self.assertIn("Contact the customer", activity_en.note)
        # A text the integrator rewrote is kept as written, whatever the language.
        self.env.ref("crm_pipeline_pilot.action_follow_up_first").activity_summary = "Appeler"
        with freeze_time(T0):
            other_fr = self._opportunity("Autre affaire", user_id=french.id, team_id=False)
        self.assertEqual(self._run(day(5)), 1)
        self.assertEqual(self._follow_ups(other_fr).summary, "Appeler")
