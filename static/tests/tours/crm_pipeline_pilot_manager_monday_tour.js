import { registry } from "@web/core/registry";

// A French sales manager's Monday: the review of last week computed by the
// scheduled action (in English) read in French, the forecast submissions
// (prefilled, no total across weeks, no accuracy for the running month) and
// the back-test months of the latest run only.
const TEAM = "Équipe du lundi";

function text(element) {
    return element.textContent.replace(/[\s\u00a0\u202f]+/g, " ").trim();
}

function cellOf(row, name) {
    return row.querySelector(`td[name='${name}']`);
}

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday", {
    steps: () => [
        {
            content: "The list of weekly reviews: last week's review of the team",
            trigger: `.o_list_view .o_data_row:contains('${TEAM}') td[name='week_start']`,
            run: "click",
        },
        {
            content: "The sales cycle, computed in English, reads in French with its action",
            trigger:
                ".o_form_view div[name='line_ids'] tr.o_data_row:contains('Cycle de vente') td[name='action']:contains('Donner à chaque opportunité')",
            run() {
                const row = [...document.querySelectorAll(".o_form_view div[name='line_ids'] tr.o_data_row")].find(
                    (tr) => text(tr).includes("Cycle de vente")
                );
                const got = ["current_display", "target_display", "gap_display", "status"].map((name) =>
                    text(cellOf(row, name))
                );
                const expected = ["40,0 jours", "30,0 jours", "+10,0 jours", "En écart"];
                if (JSON.stringify(got) !== JSON.stringify(expected)) {
                    throw new Error(`sales cycle: expected ${expected}, got ${got}`);
                }
            },
        },
        {
            content: "The average deal size in French figures",
            trigger: ".o_form_view div[name='line_ids'] tr.o_data_row:contains('Panier moyen')",
            run() {
                const row = [...document.querySelectorAll(".o_form_view div[name='line_ids'] tr.o_data_row")].find(
                    (tr) => text(tr).includes("Panier moyen")
                );
                const got = text(cellOf(row, "current_display"));
                if (got !== "$ 7 000,00") {
                    throw new Error(`deal size: expected "$ 7 000,00", got "${got}"`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_forecast", {
    steps: () => [
        {
            content: "The submissions, grouped by salesperson: the average accuracy is last month's only, no total of the amounts",
            trigger: ".o_list_view .o_group_header:contains('Sam Lundi')",
            run() {
                const header = text(
                    [...document.querySelectorAll(".o_list_view .o_group_header")].find((tr) =>
                        text(tr).includes("Sam Lundi")
                    )
                );
                if (!header.includes("80,0") || /000/.test(header)) {
                    throw new Error(`group: the accuracy 80,0 and no amount expected, got "${header}"`);
                }
            },
        },
        {
            content: "Open the group",
            trigger: ".o_list_view .o_group_header:contains('Sam Lundi')",
            run: "click",
        },
        {
            content: "The submissions: last month's accuracy shown, none for the running month",
            trigger: ".o_list_view .o_data_row td[name='accuracy']",
            run() {
                const rows = [...document.querySelectorAll(".o_list_view .o_data_row")];
                const got = rows.map((row) => [text(cellOf(row, "commit_amount")), text(cellOf(row, "accuracy"))]);
                const expected = [
                    ["$ 12 000,00", ""],
                    ["$ 5 000,00", "80,0"],
                ];
                if (JSON.stringify(got) !== JSON.stringify(expected)) {
                    throw new Error(`submissions: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
                }
                const footer = document.querySelector(".o_list_view tfoot");
                if (footer && /\d/.test(text(footer))) {
                    throw new Error(`no total expected, got "${text(footer)}"`);
                }
            },
        },
        {
            content: "The months are named (« décembre 2026 »), not dated 01/12/2026",
            trigger: ".o_list_view .o_data_row td[name='month_label']",
            run() {
                const month = (back) => {
                    const day = new Date();
                    return new Date(day.getFullYear(), day.getMonth() - back, 1).toLocaleDateString(
                        "fr-FR",
                        { month: "long", year: "numeric" }
                    );
                };
                const got = rowsOf(".o_list_view .o_data_row").map((row) => text(cellOf(row, "month_label")));
                assertEqual("months", got, [month(0), month(1)]);
            },
        },
        {
            content: "A new submission",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "The commit and the best case are prefilled from the deals before saving",
            trigger: ".o_form_view div[name='commit_amount'] input",
            run() {
                const value = (name) => text({ textContent: document.querySelector(`.o_form_view div[name='${name}'] input`).value });
                const got = [value("commit_amount"), value("best_case_amount")];
                if (JSON.stringify(got) !== JSON.stringify(["12 000,00", "12 000,00"])) {
                    throw new Error(`prefilled commit and best case expected, got ${got}`);
                }
            },
        },
    ],
});

function rowsOf(selector) {
    return [...document.querySelectorAll(selector)];
}

function assertEqual(what, got, expected) {
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
}

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_trend", {
    steps: () => [
        {
            content: "The list of weekly reviews: last week's review of the team",
            trigger: `.o_list_view .o_data_row:contains('${TEAM}') td[name='week_start']`,
            run: "click",
        },
        {
            content: "The trend of the sales cycle",
            trigger:
                ".o_form_view div[name='line_ids'] tr.o_data_row:contains('Cycle de vente') button[name='action_open_trend']",
            run: "click",
        },
        {
            content: "The graph of the twelve weeks",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Its title whole in the breadcrumb: the KPI and the team",
            trigger: ".o_breadcrumb .active",
            run() {
                const title = document.querySelector(".o_breadcrumb .active");
                assertEqual("title", text(title), `Cycle de vente (jours) · ${TEAM}`);
                const cut = [title, ...title.querySelectorAll("*")].some((el) => el.scrollWidth > el.clientWidth + 1);
                assertEqual("title cut", cut, false);
            },
        },
        {
            content: "The same weeks as a list",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "One week with a deal won (40 days), eleven weeks without data left empty, the target every week",
            trigger: ".o_list_view .o_data_row td[name='amount']",
            run() {
                const rows = rowsOf(".o_list_view .o_data_row").map((row) => [
                    text(cellOf(row, "series")),
                    text(cellOf(row, "amount")),
                ]);
                const values = rows.filter(([series]) => series === "Valeur").map(([, amount]) => amount);
                const targets = rows.filter(([series]) => series === "Objectif").map(([, amount]) => amount);
                assertEqual("weeks", [values.length, targets.length], [12, 12]);
                assertEqual("figures", values.filter((amount) => amount === "40,00").length, 1);
                assertEqual("gaps", values.filter((amount) => amount === "").length, 11);
                assertEqual("targets", [...new Set(targets)], ["30,00"]);
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_pipeline_forecast", {
    steps: () => [
        {
            content: "The forecast, by expected closing month",
            trigger: ".o_pivot .o_pivot_cell_value",
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The manager's own opportunities",
            trigger: ".o_filter_menu .o_menu_item:contains('Mes opportunités')",
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: ".o_searchview .o_searchview_facet:contains('Mes opportunités')",
        },
        {
            content: "This month's deal, and the undated one on a row of its own, as a risk",
            // Once the pivot shows the manager's own figures (12 000,00), not
            // the whole pipeline's it showed before the filter.
            trigger: ".o_pivot:has(tbody td:contains('12 000,00')) th:contains('Sans date de clôture prévue')",
            run() {
                const month = new Date().toLocaleDateString("fr-FR", { month: "long", year: "numeric" });
                const cells = (label) => {
                    const row = rowsOf(".o_pivot tbody tr").find(
                        (tr) => tr.querySelector("th") && text(tr.querySelector("th")) === label
                    );
                    if (!row) {
                        throw new Error(`no row "${label}" in ${rowsOf(".o_pivot tbody th").map(text)}`);
                    }
                    return [...row.querySelectorAll("td")].map(text);
                };
                const dated = cells(month);
                const undated = cells("Sans date de clôture prévue");
                assertEqual("this month's expected revenue", dated[0].replace(/^\$ /, ""), "12 000,00");
                assertEqual("undated", [undated[0], ...undated.slice(-2)].map((v) => v.replace(/^\$ /, "")), [
                    "3 000,00",
                    "1",
                    "3 000,00",
                ]);
                assertEqual("no undated deal this month", dated.slice(-2).map((v) => v.replace(/^\$ /, "")), [
                    "0",
                    "0,00",
                ]);
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_win_rates", {
    steps: () => [
        {
            content: "The win rates of the exit criteria",
            trigger: ".o_list_view .o_data_row:contains('Besoin du lundi')",
            run() {
                const row = rowsOf(".o_list_view .o_data_row").find((tr) => text(tr).includes("Besoin du lundi"));
                const got = ["met_win_rate", "met_count", "not_met_win_rate", "not_met_count", "lift", "verdict"].map(
                    (name) => text(cellOf(row, name))
                );
                assertEqual("win rates beside their samples, no lift below the minimum sample", got, [
                    "66,7",
                    "3",
                    "50,0",
                    "2",
                    "",
                    "Pas assez de données",
                ]);
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_backtest", {
    steps: () => [
        {
            content: "The back-test's months, latest run of each team: search the team",
            trigger: ".o_list_view",
        },
        {
            content: "Type its name",
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${TEAM}`,
        },
        {
            content: "Search it as the sales team",
            trigger: ".o_control_panel .o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only the team's rows",
            trigger: `.o_control_panel .o_facet_values:contains('${TEAM}')`,
        },
        {
            content: "The team's two months of the latest run: each method once a month, against the same revenue won",
            trigger: `.o_list_view .o_data_row:contains('${TEAM}') td[name='actual']`,
            run() {
                const rows = rowsOf(".o_list_view .o_data_row")
                    .filter((row) => text(cellOf(row, "team_id")) === TEAM)
                    .map((row) => ({
                        method: text(cellOf(row, "method")),
                        month: text(cellOf(row, "month")),
                        actual: text(cellOf(row, "actual")).replace(/^\$ /, ""),
                    }));
                const pairs = new Set(rows.map((row) => `${row.method}|${row.month}`));
                assertEqual("each method once a month (one run)", pairs.size, rows.length);
                const byMonth = {};
                for (const row of rows) {
                    (byMonth[row.month] ||= new Set()).add(row.actual);
                }
                const actuals = Object.values(byMonth)
                    .map((set) => [...set].join(" / "))
                    .sort();
                assertEqual("revenue won of each month, the same for every method", actuals, ["0,00", "3 000,00"]);
                const methods = new Set(rows.map((row) => row.method));
                assertEqual("every method on both months", rows.length, methods.size * 2);
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_manager_monday_backtest_graph", {
    steps: () => [
        {
            content: "The back-test's months as a graph: each method and the revenue won",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Its points as a list",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Search the team",
            trigger: ".o_list_view",
        },
        {
            content: "Type its name",
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${TEAM}`,
        },
        {
            content: "Search it as the sales team",
            trigger: ".o_control_panel .o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only the team's rows",
            trigger: `.o_control_panel .o_facet_values:contains('${TEAM}')`,
        },
        {
            content: "The team's revenue won: 0 then 3 000 over its two months of history, drawn once",
            trigger: `.o_list_view .o_data_row:contains('${TEAM}') td[name='amount']`,
            run() {
                const won = rowsOf(".o_list_view .o_data_row")
                    .filter((row) => text(cellOf(row, "team_id")) === TEAM)
                    .filter((row) => text(cellOf(row, "series")) === "Revenu gagné")
                    .map((row) => text(cellOf(row, "amount")));
                assertEqual("figures", won.filter((amount) => amount).sort(), ["0,00", "3 000,00"]);
                assertEqual("gaps", won.filter((amount) => !amount).length, won.length - 2);
            },
        },
    ],
});
