# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

import xlsxwriter

from odoo import api, models


class ReportCrmPipelineReviewXlsx(models.AbstractModel):
    """XLSX export of the weekly review: one sheet per team with the KPI table
    and a chart of current values against targets."""

    _name = "report.crm_pipeline_pilot.review_xlsx"
    _description = "Weekly Review XLSX Export"

    @api.model
    def _generate_xlsx(self, review):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format(
            {"bold": True, "bg_color": "#714B67", "font_color": "#FFFFFF", "border": 1}
        )
        text = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        number = workbook.add_format({"border": 1, "num_format": "#,##0.00", "valign": "top"})
        alert = workbook.add_format(
            {"border": 1, "num_format": "#,##0.00", "font_color": "#9C0006", "bg_color": "#FFC7CE"}
        )
        columns = [
            self.env._("KPI"),
            self.env._("Current"),
            self.env._("Target"),
            self.env._("Gap"),
            self.env._("Action when off target"),
        ]
        used_names = set()
        for team in review.team_ids:
            lines = review.line_ids.filtered(lambda line, team=team: line.team_id == team)
            name = (team.name or str(team.id))[:28]
            for char in "[]:*?/\\":
                name = name.replace(char, " ")
            while name in used_names:
                name = name[:26] + f"_{len(used_names)}"
            used_names.add(name)
            sheet = workbook.add_worksheet(name)
            sheet.write(
                0,
                0,
                self.env._(
                    "Weekly review %(team)s, %(start)s to %(end)s",
                    team=team.name,
                    start=review.week_start,
                    end=review.week_end,
                ),
                title,
            )
            sheet.write_row(2, 0, columns, header)
            for row, line in enumerate(lines, start=3):
                sheet.write(row, 0, line.kpi_id.name, text)
                cell = alert if line.off_target else number
                sheet.write(row, 1, line.current if line.has_value else "", cell)
                sheet.write(row, 2, line.target if line.has_target else "", number)
                sheet.write(row, 3, line.gap if line.has_value and line.has_target else "", cell)
                sheet.write(row, 4, line.action or "", text)
            sheet.set_column(0, 0, 26)
            sheet.set_column(1, 3, 14)
            sheet.set_column(4, 4, 60)
            last = 2 + len(lines)
            chart = workbook.add_chart({"type": "column"})
            for col in (1, 2):
                chart.add_series(
                    {
                        "name": [name, 2, col],
                        "categories": [name, 3, 0, last, 0],
                        "values": [name, 3, col, last, col],
                    }
                )
            chart.set_title({"name": self.env._("Current and target")})
            sheet.insert_chart(last + 2, 0, chart)
        workbook.close()
        return output.getvalue()
