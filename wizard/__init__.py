# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_lead_lost
from . import crm_stage_exit_bypass
from . import crm_stage_recommended_pipeline
from . import crm_stage_probability_apply
from . import crm_lead_slip
from . import crm_lead_pilot_won
