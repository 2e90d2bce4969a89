# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_slip_reason
from . import crm_lead_close_date_change
from . import crm_lead
from . import res_company
from . import res_config_settings
from . import crm_pipeline_review
