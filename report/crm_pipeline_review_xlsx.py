# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import re

import xlsxwriter

from odoo import api, models

# Excel's rules for sheet names: at most 31 characters, none of []:*?/\, not
# starting or ending with an apostrophe, unique without regard to case, and
# not "History" (reserved by Excel). Control characters are not valid XML.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
SHEET_NAME_RESERVED = frozenset({"history"})


def sheet_name(name, used, fallback="Sheet"):
    """A valid sheet name for ``name``, not in ``used`` (lower-case names,
    updated). Forbidden characters become spaces, spaces are collapsed, the
    name is cut to 31 characters; a name already used gets a numbered suffix
    " (2)", " (3)"... Terminates: the len(used) + 1 suffixes tried give
    distinct names (they end differently), so one of them is free."""

    def clean(text, size):
        return text[:size].strip(" '")

    base = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", name or "").split()).strip(" '")
    candidate = clean(base, SHEET_NAME_MAX) or fallback
    counter = 1
    while candidate.lower() in used or candidate.lower() in SHEET_NAME_RESERVED:
        counter += 1
        if counter > len(used) + 2:  # cannot happen (see above)
            raise ValueError("no free sheet name")
        suffix = f" ({counter})"
        candidate = clean(base or fallback, SHEET_NAME_MAX - len(suffix)) + suffix
    used.add(candidate.lower())
    return candidate


class ReportCrmPipelineReviewXlsx(models.AbstractModel):
    """XLSX export of the weekly review: one sheet per team with the KPI table
    and a chart of current values against targets."""

    _name = "report.crm_pipeline_pilot.review_xlsx"
    _description = "Weekly Review XLSX Export"

    @api.model
    def _generate_xlsx(self, review):
        """The workbook of ``review``. Every text (team, KPI and action names,
        typed by users) is written as a string, never as a formula or a link;
        the figures as numbers."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            output,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
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

        def write_number(sheet, row, col, value, has_value, cell_format):
            if has_value:
                sheet.write_number(row, col, value, cell_format)
            else:
                sheet.write_blank(row, col, None, cell_format)

        used_names = set()
        for team in review.team_ids:
            lines = review.line_ids.filtered(lambda line, team=team: line.team_id == team)
            name = sheet_name(team.name, used_names, fallback=self.env._("Team"))
            sheet = workbook.add_worksheet(name)
            sheet.write_string(
                0,
                0,
                self.env._(
                    "Weekly review %(team)s, %(start)s to %(end)s",
                    team=team.name or "",
                    start=review.week_start,
                    end=review.week_end,
                ),
                title,
            )
            for col, column in enumerate(columns):
                sheet.write_string(2, col, column, header)
            for row, line in enumerate(lines, start=3):
                sheet.write_string(row, 0, line.kpi_id.name or "", text)
                cell = alert if line.off_target else number
                write_number(sheet, row, 1, line.current, line.has_value, cell)
                write_number(sheet, row, 2, line.target, line.has_target, number)
                write_number(sheet, row, 3, line.gap, line.has_value and line.has_target, cell)
                sheet.write_string(row, 4, line.action or "", text)
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
