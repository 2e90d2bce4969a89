# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_stage
from . import crm_lead
from . import crm_forecast_submission
from . import crm_forecast_submission_freeze
from . import crm_forecast_submission_prefill
from . import crm_forecast_submission_accuracy
from . import crm_forecast_submission_change
from . import crm_team
from . import crm_pipeline_review
from . import crm_forecast_submission_label
