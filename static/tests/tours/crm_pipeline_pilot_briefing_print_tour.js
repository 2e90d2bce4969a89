import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";

// A French sales manager selects three opportunities in the list view of the
// pipeline and prints their deal briefing (Imprimer › Fiche affaire).
const DEALS = ["Quote for 12 Tables", "Office Design Project", "Customizable Desk"];
const SELECTED = ".o_list_selection_box:contains(/^3\\s+sélectionné/)";
const REPORT_URL = "/report/pdf/crm_pipeline_pilot.report_deal_briefing/";

registry.category("web_tour.tours").add("crm_pipeline_pilot_briefing_print", {
    steps: () => [
        {
            content: "Switch the pipeline to its list view",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        ...DEALS.map((deal) => ({
            content: `Select "${deal}"`,
            trigger: `.o_list_view .o_data_row:contains('${deal}') .o_list_record_selector input`,
            run: "check",
        })),
        {
            content: "Three opportunities selected, said in French",
            trigger: SELECTED,
        },
        {
            content: "Open the Print menu, labelled in French",
            trigger: ".o_cp_action_menus button:has(.fa-print):contains('Imprimer')",
            run: "click",
        },
        {
            content: "Print the deal briefing, named in French",
            trigger: ".o-dropdown-item:contains('Fiche affaire')",
            async run(helpers) {
                // The real download, watched: once the server has answered
                // with the file, the page says which report it was.
                const original = download._download;
                download._download = async (options) => {
                    const result = await original(options);
                    download._download = original;
                    document.body.dataset.pilotDownloaded = JSON.parse(options.data.data)[0];
                    return result;
                };
                await helpers.click();
            },
        },
        {
            content: "The briefing of the selected deals is downloaded",
            trigger: `body[data-pilot-downloaded^='${REPORT_URL}'] ${SELECTED}`,
            // The first report of a database builds the report's styles.
            timeout: 60000,
        },
    ],
});
