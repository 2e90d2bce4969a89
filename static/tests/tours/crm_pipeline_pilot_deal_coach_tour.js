import { registry } from "@web/core/registry";

// A French salesperson: the card shows the qualification score and the next
// best action; one click plans it as an activity.
const CARD = ".o_kanban_record:contains('Affaire Coach')";
const NEXT_ACTION = "Planifier la prochaine étape";

registry.category("web_tour.tours").add("crm_pipeline_pilot_deal_coach", {
    steps: () => [
        {
            content: "The card shows the qualification score: 1/4 (only the budget)",
            trigger: `${CARD} .o_pilot_qualification_badge:contains('1/4')`,
        },
        {
            content: "The missing dimensions are its tooltip, in French",
            trigger: `${CARD} .o_pilot_qualification_badge[title='Décisionnaire, Besoin, Échéance']`,
        },
        {
            content: "Click the next best action on the card",
            trigger: `${CARD} .o_pilot_next_action_card:contains('${NEXT_ACTION}')`,
            run: "click",
        },
        {
            content: "Planned: the card has no next action left",
            trigger: `${CARD}:not(:has(.o_pilot_next_action_card))`,
        },
    ],
});
