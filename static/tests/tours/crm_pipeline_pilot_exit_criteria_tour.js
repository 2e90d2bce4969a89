import { registry } from "@web/core/registry";

const FROM = ".o_kanban_group:has(.o_column_title:contains('Gate Qualified'))";
const TO = ".o_kanban_group:has(.o_column_title:contains('Gate Discovery'))";
const CARD = ".o_kanban_record:contains('Gate Tour Deal')";

registry.category("web_tour.tours").add("crm_pipeline_pilot_exit_criteria", {
    steps: () => [
        {
            content: "The card shows the progress and, as a tooltip, what is missing",
            trigger: `${FROM} ${CARD} .o_pilot_exit_progress[title*='Budget confirmed']:contains('0/1')`,
        },
        {
            content: "Drag the card forward while a criterion is missing",
            trigger: `${FROM} ${CARD}`,
            run: `drag_and_drop (${TO})`,
        },
        {
            content: "The move is refused and the message names the missing criterion",
            trigger: ".o_error_dialog:contains('Gate Qualified: Budget confirmed')",
        },
        {
            content: "Close the message",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The card is back in its column",
            trigger: `body:not(:has(.modal)) ${FROM} ${CARD}`,
        },
        {
            content: "And not in the next one",
            trigger: `${TO}:not(:has(${CARD}))`,
        },
        {
            content: "Open the opportunity",
            trigger: `${FROM} ${CARD}`,
            run: "click",
        },
        {
            content: "The checklist of the stage shows the criterion as missing",
            trigger: ".o_pilot_exit_criteria .o_pilot_criterion_missing:contains('Budget confirmed')",
        },
        {
            content: "Tick the criterion",
            trigger: ".o_pilot_exit_criteria div[name='confirmed_criterion_ids'] .form-check:contains('Budget confirmed') input",
            run: "click",
        },
        {
            content: "The checklist is complete",
            trigger: ".o_pilot_exit_criteria .o_pilot_criterion_met:contains('Budget confirmed')",
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
            content: "Back to the pipeline",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "The card shows every criterion met",
            trigger: `${FROM} ${CARD} .o_pilot_exit_progress:contains('1/1')`,
        },
        {
            content: "Drag the card forward again",
            trigger: `${FROM} ${CARD}`,
            run: `drag_and_drop (${TO})`,
        },
        {
            content: "The card moved",
            trigger: `body:not(:has(.modal)) ${TO} ${CARD}`,
        },
    ],
});
