import { registry } from "@web/core/registry";

// A French sales manager reads the stage history of a demo deal won twelve
// days ago after a week in each open stage: no negative duration, and the
// current stay (Won) counts its days until now, not 0.

function text(element) {
    return element.textContent.replace(/[\s\u00a0\u202f]+/g, " ").trim();
}

registry.category("web_tour.tours").add("crm_pipeline_pilot_stage_history_days", {
    steps: () => [
        {
            content: "Open the stage history tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='pilot_stage_history']",
            run: "click",
        },
        {
            content: "A week in each open stage, and the days since it was won",
            trigger: ".o_form_view div[name='stage_history_ids'] .o_data_row td[name='days']",
            run() {
                const days = [
                    ...document.querySelectorAll(".o_form_view div[name='stage_history_ids'] .o_data_row td[name='days']"),
                ].map(text);
                // Newest stay first: Won (current), then the four open stages.
                const got = JSON.stringify(days.slice(1));
                if (got !== JSON.stringify(["7,00", "7,00", "7,00", "7,00"])) {
                    throw new Error(`closed stays: 7,00 days each expected, got ${got}`);
                }
                const current = parseFloat(days[0].replace(",", "."));
                if (!(current > 11 && current < 14)) {
                    throw new Error(`current stay: about 12 days expected (installed at 9:00 today), got "${days[0]}"`);
                }
            },
        },
    ],
});
