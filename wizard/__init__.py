from . import crm_lead_lost
from . import crm_stage_exit_bypass
from . import crm_stage_recommended_pipeline
