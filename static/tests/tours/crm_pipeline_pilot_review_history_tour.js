import { registry } from "@web/core/registry";

// A French sales manager: the list of past weekly reviews, a review, and the
// trend of its pipeline value over the last 12 weeks against the target.
const TEAM = "Équipe Historique";

registry.category("web_tour.tours").add("crm_pipeline_pilot_review_history", {
    steps: () => [
        {
            content: "Open the Reporting menu of the CRM",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Analyse')",
            run: "click",
        },
        {
            content: "Open the list of weekly reviews",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Revues hebdomadaires')",
            run: "click",
        },
        {
            content: "The list shows the past reviews with their on/off-target counts",
            trigger: ".o_list_view th[data-name='off_target_count']:contains('Hors objectif')",
        },
        {
            content: "Open the latest review of the team",
            trigger: `.o_list_view .o_data_row:contains('${TEAM}') td[name='week_start']`,
            run: "click",
        },
        {
            content: "The review is computed, with its statuses",
            trigger: ".o_form_view div[name='line_ids'] td[name='status'] .badge",
        },
        {
            content: "Open the trend of the pipeline value",
            trigger:
                ".o_form_view div[name='line_ids'] tr:contains('Valeur du pipeline') button[name='action_open_trend']",
            run: "click",
        },
        {
            content: "The graph of the KPI is drawn",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Two series (value and target) over 12 weeks",
            trigger: ".o_graph_renderer canvas",
            run() {
                const canvas = document.querySelector(".o_graph_renderer canvas");
                const chart = window.Chart.getChart(canvas);
                const labels = chart.data.labels.length;
                const series = chart.data.datasets.map((dataset) => dataset.label);
                if (labels !== 12) {
                    throw new Error(`12 weeks expected on the graph, got ${labels}`);
                }
                if (series.length !== 2 || !series.includes("Valeur") || !series.includes("Objectif")) {
                    throw new Error(`the value and the target expected, got ${series}`);
                }
                const values = chart.data.datasets.find((dataset) => dataset.label === "Valeur");
                const points = values.data.filter((value) => value !== null && value !== undefined);
                if (points.length < 2) {
                    throw new Error(`more than one point expected, got ${points.length}`);
                }
            },
        },
        {
            content: "The same figures in the list",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Week by week, value and target",
            trigger: ".o_list_view .o_data_row:nth-child(24)",
        },
    ],
});
