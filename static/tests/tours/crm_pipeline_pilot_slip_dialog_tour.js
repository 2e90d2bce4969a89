import { registry } from "@web/core/registry";

// A French user drags a deal of this month to next month in the Forecast
// kanban: the server asks for a slip reason, the dialog asks for it.
const DEAL = "Warehouse scanners renewal";
const today = luxon.DateTime.now().setLocale("fr");
const THIS_MONTH = today.toFormat("MMMM yyyy");
const NEXT_MONTH = today.plus({ months: 1 }).toFormat("MMMM yyyy");
const column = (month) => `.o_kanban_group:has(.o_column_title:contains('${month}'))`;
const DIALOG = ".modal:has(.modal-title:contains('Reporter la date de clôture prévue'))";

function dragToNextMonth() {
    return [
        {
            content: "The deal is in this month's column",
            trigger: `${column(THIS_MONTH)} .o_kanban_record:contains('${DEAL}')`,
        },
        {
            content: "Drag it to next month's column",
            trigger: `${column(THIS_MONTH)} .o_kanban_record:contains('${DEAL}')`,
            async run(helpers) {
                await helpers.drag_and_drop(column(NEXT_MONTH));
            },
        },
        {
            content: "The dialog asks for the slip reason, in French",
            trigger: `${DIALOG} .o_form_view label:contains('Motif de report')`,
        },
        {
            content: "It names the deal and the new date",
            trigger: `${DIALOG} div[name='lead_ids'] .o_tag:contains('${DEAL}')`,
        },
        {
            content: "and labels the new date",
            trigger: `${DIALOG} label:contains('Nouvelle date de clôture prévue')`,
        },
        {
            content: "No error dialog",
            trigger: "body:not(:has(.o_error_dialog))",
        },
    ];
}

registry.category("web_tour.tours").add("crm_pipeline_pilot_slip_dialog", {
    steps: () => [
        ...dragToNextMonth(),
        {
            content: "Choose a slip reason",
            trigger: `${DIALOG} div[name='slip_reason_id'] input`,
            run: "edit Report demandé",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Report demandé par le client')",
            run: "click",
        },
        {
            content: "Add a note",
            trigger: `${DIALOG} div[name='note'] .odoo-editor-editable`,
            run: "editor Signature attendue en début de mois prochain.",
        },
        {
            content: "Confirm",
            trigger: `${DIALOG} button:contains('Reporter la date')`,
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The deal is now in next month's column",
            trigger: `${column(NEXT_MONTH)} .o_kanban_record:contains('${DEAL}')`,
        },
        {
            content: "and no longer in this month's",
            trigger: `${column(THIS_MONTH)}:not(:has(.o_kanban_record:contains('${DEAL}')))`,
        },
    ],
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_slip_dialog_cancel", {
    steps: () => [
        ...dragToNextMonth(),
        {
            content: "Cancel",
            trigger: `${DIALOG} button:contains('Annuler')`,
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The deal stays in this month's column",
            trigger: `${column(THIS_MONTH)} .o_kanban_record:contains('${DEAL}')`,
        },
        {
            content: "and is not in next month's",
            trigger: `${column(NEXT_MONTH)}:not(:has(.o_kanban_record:contains('${DEAL}')))`,
        },
    ],
});

// The same dialog when the date is pushed from the form, without choosing the
// reason in the form: the form is saved with the date and the reason.
const FORM_DATE = today.plus({ months: 1 }).set({ day: 15 });
registry.category("web_tour.tours").add("crm_pipeline_pilot_slip_dialog_form", {
    steps: () => [
        {
            content: "Open the deal",
            trigger: `${column(THIS_MONTH)} .o_kanban_record:contains('${DEAL}')`,
            run: "click",
        },
        {
            content: "Push its expected closing date to next month",
            trigger: ".o_form_view div[name='date_deadline'] input",
            run: `edit ${FORM_DATE.toFormat("dd/MM/yyyy")} && press Escape`,
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The dialog asks for the slip reason",
            trigger: `${DIALOG} div[name='slip_reason_id'] input`,
            run: "edit Budget",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Budget non validé')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: `${DIALOG} button:contains('Reporter la date')`,
            run: "click",
        },
        {
            content: "The dialog is closed and the form saved",
            trigger: "body:not(:has(.modal)) .o_form_view .o_form_saved",
        },
        {
            content: "with the new date",
            trigger: `.o_form_view div[name='date_deadline'] input:value(${FORM_DATE.toFormat("dd/MM/yyyy")})`,
        },
    ],
});
