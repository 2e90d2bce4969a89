# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def post_init_hook(env):
    """The estimate at proposal of the deals that reached it before the
    bridge was installed: their estimate of today, the best one known (one
    statement for any number of deals)."""
    env["crm.lead"].flush_model()
    env.cr.execute(
        """UPDATE crm_lead
              SET proposal_estimated_margin = estimated_margin,
                  proposal_estimated_margin_rate = estimated_margin_rate,
                  proposal_margin_known = TRUE
            WHERE type = 'opportunity'
              AND margin_known
              AND (reached_proposal_stage OR real_margin_source IS NOT NULL)"""
    )
    # The erosion of the deals with documents is measured from it.
    leads = (
        env["crm.lead"]
        .with_context(active_test=False)
        .search([("proposal_margin_known", "=", True), ("real_margin_source", "!=", False)])
    )
    env["crm.lead"].invalidate_model()
    leads.modified(
        ["proposal_estimated_margin", "proposal_estimated_margin_rate", "proposal_margin_known"]
    )
    env["crm.lead"].flush_model()


def uninstall_hook(env):
    """Recreate the add-on's report views without the bridge's columns before
    they are dropped (a column is dropped with the views that read it)."""
    env = env(context=dict(env.context, pilot_sale_uninstall=True))
    for model in ("crm.pipeline.forecast", "crm.pipeline.report"):
        env[model].init()
