from . import crm_lead
from . import crm_lost_reason
from . import crm_stage
from . import crm_team
from . import res_company
from . import res_config_settings
