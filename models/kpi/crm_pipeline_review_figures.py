# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The figures of the weekly review: each KPI of each team for the week,
its target, gap, status and trend against the previous week."""

import re
from datetime import datetime, time, timedelta

from odoo import fields, models
from odoo.tools import float_compare, formatLang

from ..crm_lead import TRUSTED
from .kpi_definitions import KPI_BY_CODE


class CrmPipelineReview(models.Model):
    _inherit = "crm.pipeline.review"

    def _pilot_week_kpi_values(self, week_start, teams=None, live_pipeline=True, pipeline=None):
        """The seven KPIs of each of ``teams`` (default: the review's) for
        the week starting on ``week_start`` within the review's scope:
        ``{team id: values}``. The pipeline value of a past week is the
        week's snapshot (the pipeline as it stood when the week started, see
        ``crm.pipeline.snapshot``); without such a snapshot it is the current pipeline
        (``live_pipeline``) or unknown; ``pipeline`` ({team id: value}) is
        the current pipeline when already read (see
        ``crm.pipeline.report._pilot_pipeline_value_by``). The queries are grouped by
        team: their number depends neither on the teams nor on the
        opportunities."""
        self.ensure_one()
        teams = self.team_ids if teams is None else teams
        Report = self._pilot_scoped(self.env["crm.pipeline.report"])
        date_from = datetime.combine(week_start, time.min)
        values = Report._pilot_kpi_values_by(
            date_from,
            date_from + timedelta(days=7),
            [("team_id", "in", teams.ids)],
            groupby="team_id",
            keys=teams.ids,
            pipeline=pipeline,
        )
        Snapshot = self._pilot_scoped(self.env["crm.pipeline.snapshot"])
        if week_start < Snapshot._week_start(fields.Date.context_today(self)):
            snapshots = {
                team.id: (count, pipeline_value)
                for team, count, pipeline_value in Snapshot._read_group(
                    [("team_id", "in", teams.ids), ("date", "=", week_start)],
                    ["team_id"],
                    ["__count", "expected_revenue:sum"],
                )
            }
            for team in teams:
                count, pipeline_value = snapshots.get(team.id, (0, 0.0))
                if count:
                    values[team.id]["pipeline_value"] = pipeline_value or 0.0
                elif not live_pipeline:
                    values[team.id]["pipeline_value"] = None
        return values

    def _pilot_review_figures(self):
        """Figures of the review beside its KPIs, without a target: ``{team id:
        [(label, value, unit)]}``, labels in the user's language, value None
        when unknown, unit one of the KPIs' or "count". None here: a bridge
        add-on adds its own (the sales margins bridge, the margin erosion of
        the week's won deals). The XLSX export writes them under the KPIs."""
        self.ensure_one()
        return {}

    def _compute_lines(self):
        """(Re)build the KPI lines of each team: the week's value, its target
        (each month's targets weighted by its days in the week), the gap, the
        status against the target (direction-aware) and the trend against the
        previous week. The values are kept per week for the trends
        (``crm.pipeline.kpi.value``)."""
        kpis = self.env["crm.pipeline.kpi"].search([("active", "=", True)])
        Target = self.env["crm.pipeline.target"]
        # The teams must be visible to the user (not of another company); the
        # figures come from the reports, within the review's scope.
        self.team_ids.check_access("read")
        # KPI lines are computed, never typed: users only read them.
        Line = self.env["crm.pipeline.review.line"].sudo()
        Value = self.env["crm.pipeline.kpi.value"].sudo()
        for review in self:
            review.line_ids.sudo().unlink()
            vals_list = []
            # The current pipeline, read once for both weeks.
            pipeline = review._pilot_scoped(
                self.env["crm.pipeline.report"]
            )._pilot_pipeline_value_by([("team_id", "in", review.team_ids.ids)], "team_id")
            values = review._pilot_week_kpi_values(review.week_start, pipeline=pipeline)
            previous = review._pilot_week_kpi_values(
                review.week_start - timedelta(days=7), pipeline=pipeline
            )
            for team in review.team_ids:
                targets = Target._get_week_target_values(
                    team, review.week_start, user=review.scope_user_id
                )
                for kpi in kpis:
                    vals_list.append(
                        review._line_values(
                            team,
                            kpi,
                            values[team.id].get(kpi.code),
                            targets[kpi.code],
                            previous[team.id].get(kpi.code),
                        )
                    )
            lines = Line.create(vals_list)
            Value._pilot_store_lines(lines)
        self.sudo().with_context(pilot_review_compute=TRUSTED).write(
            {"computed_by_id": self.env.uid, "computed_on": fields.Datetime.now()}
        )

    def _format_kpi_value(self, team, kpi, value):
        """A KPI value with its unit, in the user's language."""
        unit = KPI_BY_CODE[kpi.code].unit
        if unit == "currency":
            currency = (team.company_id or self.env.company).currency_id
            return formatLang(self.env, value, currency_obj=currency)
        text = formatLang(self.env, value, digits=1)
        if unit == "percent":
            return f"{text} %"
        return self.env._("%(value)s days", value=text)

    def _format_gap(self, team, kpi, gap):
        """A gap with its sign where the language and currency put the minus
        sign of a negative amount ("$ -80 900,00" → "$ +80 900,00")."""
        text = self._format_kpi_value(team, kpi, gap)
        if float_compare(gap, 0.0, precision_digits=2) > 0:
            text = re.sub(r"(\d)", r"+\1", text, count=1)
        return text

    def _line_values(self, team, kpi, current, target, previous=None):
        has_value = current is not None
        has_target = target is not None  # 0 is a target (0 % attrition)
        off_target = False
        if has_value and has_target:
            off_target = current < target if kpi.higher_is_better else current > target
        if not has_value:
            status = "no_value"
        elif not has_target:
            status = "no_target"
        else:
            status = "off_target" if off_target else "on_target"
        trend = False
        if has_value and previous is not None:
            change = float_compare(current, previous, precision_digits=2)
            trend = {1: "up", -1: "down", 0: "flat"}[change]
        gap = (current - target) if has_value and has_target else 0.0
        return {
            "review_id": self.id,
            "team_id": team.id,
            "kpi_id": kpi.id,
            "current": current or 0.0,
            "has_value": has_value,
            "target": target or 0.0,
            "has_target": has_target,
            "gap": gap,
            "off_target": off_target,
            "status": status,
            "unit": KPI_BY_CODE[kpi.code].unit,
            "previous": previous or 0.0,
            "trend": trend,
            "trend_good": bool(trend)
            and trend != "flat"
            and (trend == "up") == bool(kpi.higher_is_better),
        }
