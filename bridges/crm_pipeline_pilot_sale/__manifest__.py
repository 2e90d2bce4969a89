# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "CRM Pipeline Pilot - Sales Margins",
    "summary": "The deal's margin followed from the estimate into the quotation and the order",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-pipeline-pilot/crm_pipeline_pilot",
    "author": "crm_pipeline_pilot authors",
    "license": "LGPL-3",
    "depends": ["crm_pipeline_pilot", "sale_crm", "sale_margin"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_pipeline_pilot_sale_security.xml",
        "views/crm_lead_views.xml",
        "views/sale_order_views.xml",
        "views/crm_pipeline_review_views.xml",
        "report/crm_margin_erosion_report_views.xml",
    ],
    "demo": [
        "demo/sale_margin_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_pipeline_pilot_sale/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
}
