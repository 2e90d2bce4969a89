from . import crm_margin_erosion_report
from . import crm_pipeline_figures
