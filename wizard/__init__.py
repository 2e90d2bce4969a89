from . import crm_lead_lost
from . import crm_stage_exit_bypass
from . import crm_stage_recommended_pipeline
from . import crm_stage_probability_apply
from . import crm_pipeline_review
