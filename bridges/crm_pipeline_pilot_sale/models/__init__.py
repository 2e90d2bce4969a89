from . import crm_lead
from . import sale_order
from . import sale_order_line
from . import demo
from . import crm_pipeline_review
