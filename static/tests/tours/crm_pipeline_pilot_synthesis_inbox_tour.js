import { registry } from "@web/core/registry";

// A French salesperson has a meeting tomorrow linked to a deal: after the
// scheduled job ran, the synthesis of the deal is in their inbox, in French,
// with its figures, its quotes and what is still unknown.
const MESSAGE = ".o-mail-Message:contains('Synthèse salon')";

registry.category("web_tour.tours").add("crm_pipeline_pilot_synthesis_inbox", {
    steps: () => [
        {
            content: "The synthesis is in the inbox, about the deal",
            trigger: MESSAGE,
        },
        {
            content: "It names the meeting, in French",
            trigger: `${MESSAGE} .o-mail-Message-body:contains('Rendez-vous Préparation du salon le')`,
        },
        {
            content: "The accepted budget, with the French figure and its quote",
            trigger: `${MESSAGE} .o-mail-Message-body li:contains('Budget'):contains('000,00'):contains('Notre budget est de 40 k€ HT')`,
        },
        {
            content: "The suggested decision maker, marked as such",
            trigger: `${MESSAGE} .o-mail-Message-body li:contains('Claire Martin'):contains('(suggéré, non confirmé)')`,
        },
        {
            content: "What is still unknown, in French",
            trigger: `${MESSAGE} .o-mail-Message-body:contains('Encore inconnu'):contains('Décisionnaire, Besoin, Échéance')`,
        },
        {
            content: "The competitor heard",
            trigger: `${MESSAGE} .o-mail-Message-body li:contains('Concurrent'):contains('Acme Corp')`,
        },
        {
            content: "The overdue activity, flagged",
            trigger: `${MESSAGE} .o-mail-Message-body li:contains('Call Paul back about the delay'):contains('en retard')`,
        },
        {
            content: "The risk of the low margin, with the French decimal comma",
            trigger: `${MESSAGE} .o-mail-Message-body li:contains('Marge faible : 20,0 %')`,
        },
    ],
});
