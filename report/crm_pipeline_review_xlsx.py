# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import re

import xlsxwriter

from odoo import api, models
from odoo.tools import format_date

from ..models.forecast_category.crm_team import MONTH_FORECAST_FIGURES
from ..models.kpi.kpi_definitions import KPI_BY_CODE

# The rows of a sheet by unit (each unit's rows together, so that each has its
# own chart: amounts, rates and days never share an axis).
UNIT_ORDER = ("currency", "percent", "days")

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
    """XLSX export of the weekly review: one sheet per team with the KPI table,
    each figure in its unit (amount, %, days), and one chart of current values
    against targets per unit."""

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
        amount_format = self._amount_format(self.env.company.currency_id)
        days_label = self.env._("days").replace('"', "")
        unit_formats = {
            "currency": amount_format,
            "percent": '0.0" %"',
            "days": f'0.0" {days_label}"',
        }
        cell_formats = {
            (unit, off): workbook.add_format(
                {"border": 1, "num_format": num_format, "valign": "top"}
                | ({"font_color": "#9C0006", "bg_color": "#FFC7CE"} if off else {})
            )
            for unit, num_format in unit_formats.items()
            for off in (False, True)
        }
        chart_titles = {
            "currency": self.env._("Amounts: current and target"),
            "percent": self.env._("Rates: current and target"),
            "days": self.env._("Days: current and target"),
        }
        # The columns of the screen, in its order.
        Line = self.env["crm.pipeline.review.line"]
        columns = [
            self.env._("KPI"),
            self.env._("Current"),
            self.env._("Target"),
            self.env._("Gap"),
            Line._fields["status"]._description_string(self.env),
            Line._fields["trend"]._description_string(self.env),
            self.env._("Action when off target"),
        ]
        statuses = dict(Line._fields["status"]._description_selection(self.env))
        trends = dict(Line._fields["trend"]._description_selection(self.env))

        def write_number(sheet, row, col, value, has_value, cell_format):
            if has_value:
                sheet.write_number(row, col, value, cell_format)
            else:
                sheet.write_blank(row, col, None, cell_format)

        # Figures beside the KPIs (none without a bridge add-on that adds
        # some: see crm.pipeline.review._pilot_review_figures).
        review_figures = review._pilot_review_figures()
        figure_formats = cell_formats | {
            ("count", False): workbook.add_format({"border": 1, "num_format": "0"})
        }
        used_names = set()
        for team in review.team_ids:
            lines = review.line_ids.filtered(lambda line, team=team: line.team_id == team)
            lines = lines.sorted(
                lambda line: (UNIT_ORDER.index(KPI_BY_CODE[line.kpi_id.code].unit), line.sequence)
            )
            name = sheet_name(team.name, used_names, fallback=self.env._("Team"))
            sheet = workbook.add_worksheet(name)
            sheet.write_string(
                0,
                0,
                self.env._(
                    "Weekly review %(team)s, %(start)s to %(end)s",
                    team=team.name or "",
                    start=format_date(self.env, review.week_start),
                    end=format_date(self.env, review.week_end),
                ),
                title,
            )
            for col, column in enumerate(columns):
                sheet.write_string(2, col, column, header)
            rows_by_unit = {}
            for row, line in enumerate(lines, start=3):
                unit = KPI_BY_CODE[line.kpi_id.code].unit
                rows_by_unit.setdefault(unit, []).append(row)
                sheet.write_string(row, 0, line.kpi_id.name or "", text)
                cell = cell_formats[unit, bool(line.off_target)]
                plain = cell_formats[unit, False]
                write_number(sheet, row, 1, line.current, line.has_value, cell)
                write_number(sheet, row, 2, line.target, line.has_target, plain)
                write_number(sheet, row, 3, line.gap, line.has_value and line.has_target, cell)
                for col, label in ((4, statuses.get(line.status)), (5, trends.get(line.trend))):
                    if label:
                        sheet.write_string(row, col, label, text)
                    else:
                        sheet.write_blank(row, col, None, text)
                sheet.write_string(row, 6, line.action or "", text)
            sheet.set_column(0, 0, 26)
            sheet.set_column(1, 3, 16)
            sheet.set_column(4, 5, 14)
            sheet.set_column(6, 6, 60)
            self._print_setup(sheet)
            chart_row = 3 + len(lines) + 1
            figures = review_figures.get(team.id, [])
            if figures:
                sheet.write_string(chart_row, 0, self.env._("Figure"), header)
                sheet.write_string(chart_row, 1, self.env._("Current"), header)
                for row, (label, value, unit) in enumerate(figures, start=chart_row + 1):
                    sheet.write_string(row, 0, label, text)
                    write_number(
                        sheet, row, 1, value or 0, value is not None, figure_formats[unit, False]
                    )
                chart_row += len(figures) + 2
            for unit in UNIT_ORDER:
                rows = rows_by_unit.get(unit)
                if not rows:
                    continue
                chart = workbook.add_chart({"type": "bar"})
                for col in (1, 2):
                    chart.add_series(
                        {
                            "name": [name, 2, col],
                            "categories": [name, rows[0], 0, rows[-1], 0],
                            "values": [name, rows[0], col, rows[-1], col],
                        }
                    )
                chart.set_title({"name": chart_titles[unit]})
                chart.set_x_axis({"num_format": unit_formats[unit]})
                chart.set_size({"width": 520, "height": 90 + 45 * len(rows)})
                sheet.insert_chart(chart_row, 0, chart)
                chart_row += 6 + 2 * len(rows)
        self._write_forecast_sheet(workbook, review, used_names, title, header, text)
        workbook.close()
        return output.getvalue()

    @api.model
    def _print_setup(self, sheet):
        """Printed in landscape, one page wide, the column headers repeated."""
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(2)

    @api.model
    def _amount_format(self, currency):
        """Excel's number format of an amount in ``currency`` (its symbol
        before or after, two decimals)."""
        symbol = (currency.symbol or "").replace('"', "")
        if currency.position == "before":
            return f'"{symbol}" #,##0.00'
        return f'#,##0.00 "{symbol}"'

    @api.model
    def _write_forecast_sheet(self, workbook, review, used_names, title, header, text):
        """The last sheet: the forecast of the review's month per team (the two
        projections and the category totals), amounts in the currency of each
        team's company, as numbers (no formula)."""
        teams = review.team_ids
        month = review.date.replace(day=1)
        figures = teams._pilot_month_forecast(month)
        labels = teams._pilot_month_forecast_labels()
        name = sheet_name(self.env._("Forecast"), used_names, fallback="Forecast")
        sheet = workbook.add_worksheet(name)
        sheet.write_string(
            0,
            0,
            self.env._(
                "Forecast of %(month)s by team",
                month=format_date(self.env, month, date_format="MMMM y"),
            ),
            title,
        )
        sheet.write_string(2, 0, self.env._("Sales Team"), header)
        for col, key in enumerate(MONTH_FORECAST_FIGURES, start=1):
            sheet.write_string(2, col, labels[key], header)
        amount_formats = {}
        for row, team in enumerate(teams, start=3):
            currency = team.company_id.currency_id or self.env.company.currency_id
            if currency not in amount_formats:
                amount_formats[currency] = workbook.add_format(
                    {"border": 1, "num_format": self._amount_format(currency), "valign": "top"}
                )
            sheet.write_string(row, 0, team.name or "", text)
            for col, key in enumerate(MONTH_FORECAST_FIGURES, start=1):
                sheet.write_number(row, col, figures[team.id][key], amount_formats[currency])
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, len(MONTH_FORECAST_FIGURES), 22)
        self._print_setup(sheet)
