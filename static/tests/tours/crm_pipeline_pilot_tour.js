import { registry } from "@web/core/registry";

// After typing "Budget cut" in the Lost dialog: pick the reason, confirm, and
// wait for the dialog to close.
const chooseReasonAndConfirm = () => [
    {
        trigger: ".o-autocomplete--dropdown-item:contains('Budget cut (tour)')",
        run: "click",
    },
    {
        content: "Confirm",
        trigger: ".modal button[name='action_lost_reason_apply']",
        run: "click",
    },
    {
        content: "The dialog is closed",
        trigger: "body:not(:has(.modal))",
    },
];

registry.category("web_tour.tours").add("crm_pipeline_pilot_margin_lost", {
    steps: () => [
        {
            content: "Open the opportunity from the pipeline",
            trigger: ".o_kanban_record:contains('Pilot Tour Deal')",
            run: "click",
        },
        {
            content: "Set the urgency to Critical",
            trigger: ".o_form_view div[name='urgency'] .o_selection_badge:contains('Critical')",
            run: "click",
        },
        {
            content: "Enter the estimated cost",
            trigger: ".o_form_view div[name='estimated_cost'] input",
            run: "edit 6000 && press Tab",
        },
        {
            content: "The margin is computed",
            trigger: ".o_form_view div[name='estimated_margin']:contains('4,000.00')",
        },
        {
            content: "The margin rate is computed",
            trigger: ".o_form_view div[name='estimated_margin_rate'] input:value('40.00')",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Mark as lost",
            trigger: ".o_statusbar_buttons button[data-hotkey='l']",
            run: "click",
        },
        {
            content: "Try to confirm without a reason",
            trigger: ".modal button[name='action_lost_reason_apply']",
            run: "click",
        },
        {
            content: "Refused: the loss reason is required",
            trigger: ".modal div[name='lost_reason_id'].o_field_invalid",
        },
        {
            content: "Choose a loss reason",
            trigger: ".modal div[name='lost_reason_id'] input",
            run: "edit Budget cut",
        },
        ...chooseReasonAndConfirm(),
        {
            content: "The opportunity shows the Lost ribbon",
            trigger: ".o_form_view .ribbon:contains('Lost')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_mail_lost_link", {
    steps: () => [
        {
            content: "The link of the email opens the Lost dialog",
            trigger: ".modal div[name='lost_reason_id'] input",
            run: "edit Budget cut",
        },
        ...chooseReasonAndConfirm(),
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_stagnant_filter", {
    steps: () => [
        {
            content: "The stagnant opportunity is marked in the pipeline",
            trigger:
                ".o_kanban_record:contains('Pilot Stagnant Deal') .o_pilot_stagnant:contains('12')",
        },
        {
            content: "The fresh opportunity is not marked",
            trigger: ".o_kanban_record:contains('Pilot Tour Deal'):not(:has(.o_pilot_stagnant))",
        },
        {
            content: "Open the search options",
            trigger: ".o_control_panel_actions .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Apply the Stagnant filter",
            trigger: ".o_filter_menu .dropdown-item:contains('Stagnant')",
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: ".o_searchview_facet:contains('Stagnant')",
        },
        {
            content: "Only the stagnant opportunity is left, marked",
            trigger:
                ".o_kanban_renderer:not(:has(.o_kanban_record:contains('Pilot Tour Deal'))) .o_kanban_record:contains('Pilot Stagnant Deal') .o_pilot_stagnant",
        },
    ],
});
