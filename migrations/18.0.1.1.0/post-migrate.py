# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: the scheduled actions call the renamed entry points, and the
follow-up steps select open opportunities by the one definition of won (a
won stage), unless an administrator edited their filter (their records are
not updated by the upgrade: ``noupdate`` data). (The unknown margins of
opportunities without an estimated cost are set by the pre-migration.)

The domains of exit criteria are now evaluated as data, without ``user``:
``user.id`` becomes ``uid``; a domain that still reads ``user`` is logged (it
counts as not met until a sales administrator rewrites it)."""

import logging
import re

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

USER_ID = re.compile(r"(?<![.\w'\"])user\.id\b")
USER = re.compile(r"\buser\b")

CRON_CODE = {
    "crm_pipeline_pilot.ir_cron_follow_up": (
        "_pilot_run_follow_ups(",
        "_cron_pilot_follow_ups(",
    ),
    "crm_pipeline_pilot.ir_cron_crm_pipeline_snapshot": (
        "_cron_pilot_snapshot(",
        "_cron_snapshot(",
    ),
}


FOLLOW_UP_STEPS = (
    "crm_pipeline_pilot.automation_follow_up_first",
    "crm_pipeline_pilot.automation_follow_up_second",
    "crm_pipeline_pilot.automation_follow_up_escalation",
)
OLD_OPEN = '("probability", "<", 100)'
NEW_OPEN = '("stage_id.is_won", "=", False)'


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (old, new) in CRON_CODE.items():
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron and old in (cron.code or ""):
            cron.code = cron.code.replace(old, new)
    for xmlid in FOLLOW_UP_STEPS:
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule and OLD_OPEN in (rule.filter_domain or ""):
            rule.filter_domain = rule.filter_domain.replace(OLD_OPEN, NEW_OPEN)
    _migrate_criterion_domains(cr)


def _migrate_criterion_domains(cr):
    cr.execute(
        "SELECT id, domain FROM crm_stage_exit_criterion "
        "WHERE criterion_type = 'domain' AND domain ~ %s",
        [r"\muser\M"],
    )
    for criterion_id, domain in cr.fetchall():
        new_domain = USER_ID.sub("uid", domain)
        if new_domain != domain:
            cr.execute(
                "UPDATE crm_stage_exit_criterion SET domain = %s WHERE id = %s",
                [new_domain, criterion_id],
            )
        if USER.search(new_domain):
            _logger.warning(
                "crm_pipeline_pilot: the domain of the exit criterion %s reads `user`, which "
                "domains can no longer use: it counts as not met until it is rewritten.",
                criterion_id,
            )
