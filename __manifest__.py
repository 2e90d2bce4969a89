# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "CRM Pipeline Pilot",
    "summary": "A pipeline you can trust: urgency, estimated margin, "
    "mandatory loss reasons, follow-ups and weekly KPIs",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-pipeline-pilot/crm_pipeline_pilot",
    "author": "crm_pipeline_pilot authors",
    "license": "LGPL-3",
    "depends": ["crm", "base_automation"],
    "external_dependencies": {"python": ["xlsxwriter", "phonenumbers"]},
    "data": [
        "security/crm_pipeline_pilot_security.xml",
        "security/ir.model.access.csv",
        "data/crm_pipeline_kpi_data.xml",
        "data/ir_cron_data.xml",
        "data/digest_data.xml",
        "views/crm_lead_views.xml",
        "views/crm_lead_stage_history_views.xml",
        "views/crm_stage_views.xml",
        "views/crm_pipeline_snapshot_views.xml",
        "views/crm_pipeline_target_views.xml",
        "views/digest_digest_views.xml",
        "report/crm_pipeline_report_views.xml",
        "report/crm_pipeline_forecast_views.xml",
        "wizard/crm_pipeline_review_views.xml",
        "views/crm_pipeline_menus.xml",
        "views/crm_lost_reason_views.xml",
        "views/crm_team_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/crm_lead_lost_views.xml",
    ],
    "demo": [
        "demo/crm_lead_demo.xml",
        "demo/crm_pipeline_kpi_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_pipeline_pilot/static/tests/tours/*.js",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "post_init_hook": "post_init_hook",
}
