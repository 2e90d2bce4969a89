from . import crm_margin_erosion_report
