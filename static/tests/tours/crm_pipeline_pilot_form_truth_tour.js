import { registry } from "@web/core/registry";

// A salesperson, in French or in English: the checklist of the form tells
// the truth about the values on screen, before saving. One walk, the texts
// on screen chosen by language.
const CHECKLIST = ".o_form_view .o_pilot_exit_criteria";
const PROGRESS = `${CHECKLIST} div[name='exit_criteria_progress']`;
const TEXTS = {
    fr_FR: {
        deal: "Affaire Vérité",
        decision: "Décisionnaire identifié",
        margin: "Taux de marge au moins égal au minimum",
        high: "Haute",
        rate: "20,00",
    },
    en_US: {
        deal: "Truth Deal",
        decision: "Decision maker identified",
        margin: "Margin rate at or above the team minimum",
        high: "High",
        rate: "20.00",
    },
};

function formTruthSteps({ deal, decision: DECISION, margin: MARGIN, high, rate }) {
    return [
        {
            content: "Open the opportunity from the pipeline",
            trigger: `.o_kanban_record:contains('${deal}')`,
            run: "click",
        },
        {
            content: "No criterion met: 0/2, the margin is unknown (no cost)",
            trigger: `${PROGRESS}:contains('0/2')`,
        },
        {
            content: "The margin criterion is missing and the checklist says why",
            trigger: `${CHECKLIST}:has(.o_pilot_criterion_missing:contains('${MARGIN}')) .o_pilot_margin_unknown`,
        },
        {
            content: "Set the urgency to High",
            trigger: `.o_form_view div[name='urgency'] .o_selection_badge:contains('${high}')`,
            run: "click",
        },
        {
            content: "Urgency High on screen",
            trigger: `.o_form_view div[name='urgency'] .o_selection_badge.active:contains('${high}')`,
        },
        {
            content: "Still 0/2: the manual criterion is not ticked",
            trigger: `${PROGRESS}:contains('0/2')`,
        },
        {
            content: "The manual criterion is shown missing, none is shown met",
            trigger: `${CHECKLIST}:not(:has(.o_pilot_criterion_met)) .o_pilot_criterion_missing:contains('${DECISION}')`,
        },
        {
            content: "Tick the manual criterion",
            trigger: `${CHECKLIST} div[name='confirmed_criterion_ids'] .form-check:contains('${DECISION}') input`,
            run: "click",
        },
        {
            content: "1/2 before saving",
            trigger: `${PROGRESS}:contains('1/2')`,
        },
        {
            content: "The manual criterion is met",
            trigger: `${CHECKLIST} .o_pilot_criterion_met:contains('${DECISION}')`,
        },
        {
            content: "Type a cost under the team minimum (20 % < 30 %)",
            trigger: ".o_form_view div[name='estimated_cost'] input",
            run: "edit 8000 && press Tab",
        },
        {
            content: "The margin is known now",
            trigger: `.o_form_view:not(:has(.o_pilot_margin_unknown)) div[name='estimated_margin_rate'] input:value('${rate}')`,
        },
        {
            content: "The margin criterion is still missing before saving",
            trigger: `${CHECKLIST} .o_pilot_criterion_missing:contains('${MARGIN}')`,
        },
        {
            content: "Still 1/2",
            trigger: `${PROGRESS}:contains('1/2')`,
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
            content: "After saving: the same checklist",
            trigger: `${PROGRESS}:contains('1/2')`,
        },
    ];
}

registry.category("web_tour.tours").add("crm_pipeline_pilot_form_truth", {
    steps: () => formTruthSteps(TEXTS.fr_FR),
});

registry.category("web_tour.tours").add("crm_pipeline_pilot_form_truth_en", {
    steps: () => formTruthSteps(TEXTS.en_US),
});
