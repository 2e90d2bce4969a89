import { UncaughtPromiseError } from "@web/core/errors/error_service";
import { RPCError } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// When the server refuses a write because it pushes the expected closing date
// out of the current month without a slip reason (SlipReasonRequired, whatever
// the view: Forecast kanban drag, list edit, form), ask for the reason instead
// of showing the error: the dialog writes the new date with the reason, through
// the same rule, then the view is reloaded. Cancelling leaves the date as it
// was (the view already reverted the refused change).
const SLIP_ACTION = "crm_pipeline_pilot.crm_lead_slip_action";

export function slipReasonErrorHandler(env, error, originalError) {
    if (!(error instanceof UncaughtPromiseError) || !(originalError instanceof RPCError)) {
        return false;
    }
    const slip = originalError.data?.context?.pilot_slip_reason;
    if (!slip?.lead_ids?.length) {
        return false;
    }
    error.unhandledRejectionEvent.preventDefault();
    env.services.action.doAction(SLIP_ACTION, {
        additionalContext: {
            default_lead_ids: slip.lead_ids,
            default_date_deadline: slip.date_deadline,
        },
        onClose: async (infos) => {
            if (infos?.pilot_slipped) {
                await env.services.action.doAction("soft_reload");
            }
        },
    });
    return true;
}

// Before Odoo's handler of server errors (sequence 97).
registry
    .category("error_handlers")
    .add("crm_pipeline_pilot.slip_reason", slipReasonErrorHandler, { sequence: 90 });
