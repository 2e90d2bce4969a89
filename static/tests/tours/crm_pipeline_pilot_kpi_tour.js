import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_pipeline_pilot_weekly_review", {
    steps: () => [
        {
            content: "Open the Reporting menu of the CRM",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open the weekly review",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Weekly Review')",
            run: "click",
        },
        {
            content: "The weekly review opens on the manager's team, already computed",
            trigger: ".o_form_view div[name='team_ids'] .o_tag:contains('KPI Tour Team')",
        },
        {
            content: "Each KPI shows its status against the target",
            trigger: ".o_form_view div[name='line_ids'] td[name='status']:contains('Off target')",
        },
        {
            content: "The conversion rate is off target, with its suggested action",
            trigger: ".o_form_view div[name='line_ids'] tr.text-danger:contains('Conversion Rate'):contains('qualify harder')",
        },
        {
            content: "The export button is offered",
            trigger: ".o_form_view button[name='action_export_xlsx']",
        },
        {
            content: "Open the Reporting menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open the pipeline analysis",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Pipeline Analysis')",
            run: "click",
        },
        {
            content: "The pivot shows the win rate",
            trigger: ".o_pivot .o_pivot_measure_row:contains('Win Rate (%)')",
        },
        {
            content: "and the salesperson's row",
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains('Kim KPI')",
        },
    ],
});
