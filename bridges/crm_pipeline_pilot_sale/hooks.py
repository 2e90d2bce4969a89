# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def uninstall_hook(env):
    """Recreate the add-on's report views without the bridge's columns before
    they are dropped (a column is dropped with the views that read it)."""
    env = env(context=dict(env.context, pilot_sale_uninstall=True))
    for model in ("crm.pipeline.forecast", "crm.pipeline.report"):
        env[model].init()
