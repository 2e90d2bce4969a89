import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_pipeline_pilot_stage_probability_reapply", {
    steps: () => [
        {
            content: "Change the stage's probability",
            trigger: ".o_form_view div[name='pilot_probability'] input",
            run: "edit 35 && press Tab",
        },
        {
            content: "The form offers to re-apply it to the two opportunities concerned",
            trigger: ".alert-warning div[name='pilot_probability_outdated_count']:contains('2')",
        },
        {
            content: "Open the re-apply dialog",
            trigger: ".alert-warning button[name='action_open_probability_apply']",
            run: "click",
        },
        {
            content: "The dialog shows how many opportunities change",
            trigger: ".modal div[name='lead_count']:contains('2')",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "Dialog closed, no opportunity left with another probability",
            trigger: "body:not(:has(.modal)) .o_form_view:not(:has(.alert-warning:visible))",
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_stage_probability_band", {
    steps: () => [
        {
            content: "The band is shown next to the probability",
            trigger: ".o_form_view div#probability:contains('±')",
        },
        {
            content: "Set a probability outside the band",
            trigger: ".o_form_view div[name='probability'] input",
            run: "edit 50 && press Tab",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Refused with the allowed range",
            trigger: ".modal:contains('between 15 % and 45 %')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Set a probability at the edge of the band",
            trigger: "body:not(:has(.modal)) .o_form_view div[name='probability'] input",
            run: "edit 45 && press Tab",
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
    ],
});
