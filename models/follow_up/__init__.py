# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import base_automation
from . import crm_lead
from . import crm_lead_follow_up_activity
from . import crm_lead_follow_up_log
from . import crm_lead_follow_up_run
from . import crm_stage
from . import mail_activity
from . import res_company
from . import res_config_settings
