import { registry } from "@web/core/registry";

// A French salesperson sends a quotation below the team's minimum margin rate
// from the deal, and reads the flag and the erosion on the deal.
registry.category("web_tour.tours").add("crm_pipeline_pilot_sale_quotation", {
    steps: () => [
        {
            content: "Open the deal's quotation from its smart button",
            trigger: ".o_form_view button[name='action_view_sale_quotation']",
            run: "click",
        },
        {
            content: "The draft quotation is open",
            trigger: ".o_form_view .o_field_widget[name='state'] .o_arrow_button_current:contains('Devis')",
        },
        {
            content: "Send it by email",
            trigger: "button[name='action_quotation_send']",
            run: "click",
        },
        {
            content: "Send the email of the dialog",
            trigger: ".modal .o_mail_send",
            timeout: 30000,
            run: "click",
        },
        {
            content: "The quotation is sent",
            trigger: ".o_form_view .o_field_widget[name='state'] .o_arrow_button_current:contains('Envoyé')",
            timeout: 30000,
        },
        {
            content: "Back to the deal",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a:contains('Affaire marge')",
            run: "click",
        },
        {
            content: "The real margin: the quotation's rate, 20,00",
            trigger: ".o_form_view .o_field_widget[name='quoted_margin_rate']:contains('20,00')",
        },
        {
            content: "The erosion from the estimate: 1 500,00 and 15,00 points",
            trigger: ".o_form_view .o_field_widget[name='margin_erosion']:contains('500,00')",
        },
        {
            content: "The erosion in points",
            trigger: ".o_form_view .o_field_widget[name='margin_erosion_points']:contains('15,00')",
        },
        {
            content: "The low-margin flag, in French",
            trigger: ".o_form_view .o_pilot_real_margin_low:contains('inférieur au taux de marge minimum')",
        },
    ],
});

// A French manager opens the margin erosion report.
registry.category("web_tour.tours").add("crm_pipeline_pilot_sale_erosion_report", {
    steps: () => [
        {
            content: "The report is the margin erosion, in French",
            trigger: ".o_breadcrumb:contains('Érosion de marge')",
        },
        {
            content: "Its measures: estimated, quoted, ordered margin and erosion",
            trigger: ".o_pivot thead:contains('Marge estimée'):contains('Marge du devis'):contains('Marge commandée'):contains('Érosion de marge')",
        },
        {
            content: "The salesperson's row with the erosion of the deal",
            trigger: ".o_pivot tbody tr:contains('Vera Vendeuse') td:contains('500,00')",
        },
    ],
});
