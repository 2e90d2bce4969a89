# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_stage_exit_criterion
from . import crm_stage
from . import crm_lead
from . import crm_lead_checked_fields
from . import crm_lead_gate
from . import crm_stage_exit_criterion_stat
from . import crm_lead_factors
from . import res_company
from . import res_config_settings
