import { registry } from "@web/core/registry";

// A French salesperson: a customer's email arrived on the deal; the form
// suggests its budget with the sentence that proves it; accepting it moves
// the qualification score.
const FORM = ".o_form_view";
const LIST = `${FORM} .o_pilot_evidence_list`;
const BUDGET_ROW = `${LIST} tr.o_data_row:has(td[name='kind']:contains('Budget'))`;

registry.category("web_tour.tours").add("crm_pipeline_pilot_evidence", {
    steps: () => [
        {
            content: "Open the deal from the pipeline: its card counts the suggestions",
            trigger: ".o_kanban_record:contains('Affaire Girard'):has(.o_pilot_evidence_badge:contains('3'))",
            run: "click",
        },
        {
            content: "Not qualified yet: 0/4",
            trigger: `${FORM} .o_pilot_qualification_score:contains('0')`,
        },
        {
            content: "Open the suggestions read in the exchanges",
            trigger: `${FORM} .o_notebook .nav-link:contains('Dans les échanges')`,
            run: "click",
        },
        {
            content: "The budget is suggested with the customer's sentence as its proof",
            trigger: `${BUDGET_ROW}:contains('Notre budget est de 40 k€ HT'):contains('Suggéré')`,
        },
        {
            content: "Accept it",
            trigger: `${BUDGET_ROW} button[name='action_pilot_accept']`,
            run: "click",
        },
        {
            content: "Accepted",
            trigger: `${BUDGET_ROW}:contains('Accepté')`,
        },
        {
            content: "The score moved: 1/4",
            trigger: `${FORM} .o_pilot_qualification_score:contains('1')`,
        },
    ],
});
