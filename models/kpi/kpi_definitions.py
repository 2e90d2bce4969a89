# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The KPIs of the weekly review, declared once.

Each KPI: its code, its label, its unit, whether a higher value is better
(its direction) and the field of ``crm.pipeline.target`` that holds its
monthly target. Its value is computed in this capability by
``crm.pipeline.report._pilot_kpi_values`` (crm_pipeline_report.py: the
formulas of the design's KPI table, on the KPI measures of each opportunity);
the action suggested when it is off target is data
(``crm.pipeline.kpi``, editable and translatable). The KPI records, the
targets, the weekly review, its XLSX export and the digest read this
declaration.
"""

from collections import namedtuple

Kpi = namedtuple("Kpi", ["code", "label", "unit", "higher_is_better", "target_field"])

KPIS = (
    Kpi("pipeline_value", "Pipeline Value", "currency", True, "pipeline_target"),
    Kpi("conversion_rate", "Conversion Rate", "percent", True, "conversion_rate_target"),
    Kpi("win_rate", "Win Rate", "percent", True, "win_rate_target"),
    Kpi("deal_size", "Average Deal Size", "currency", True, "deal_size_target"),
    Kpi("cycle_days", "Sales Cycle (days)", "days", False, "cycle_days_target"),
    Kpi("attrition", "Attrition", "percent", False, "attrition_target"),
    Kpi("margin_rate", "Margin Rate", "percent", True, "margin_rate_target"),
)
KPI_BY_CODE = {kpi.code: kpi for kpi in KPIS}
