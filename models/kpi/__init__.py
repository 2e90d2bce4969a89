# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_lead
from . import crm_pipeline_report
from . import crm_pipeline_kpi
from . import crm_pipeline_snapshot
from . import crm_pipeline_target
from . import crm_pipeline_review
from . import crm_pipeline_review_figures
from . import crm_pipeline_review_line
from . import crm_pipeline_kpi_value
from . import digest_digest
