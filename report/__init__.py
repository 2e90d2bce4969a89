from . import crm_pipeline_report
from . import crm_pipeline_forecast
from . import crm_pipeline_review_xlsx
