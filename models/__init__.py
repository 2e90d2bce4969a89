# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# The values trusted on every model (bounds, maintained fields), crm.lead's
# create/write orchestration, the rule engine, then one folder per capability.
from . import trust
from . import crm_lead
from . import rule_engine
from . import margin
from . import loss_reason
from . import exit_criteria
from . import recommended_pipeline
from . import follow_up
from . import stage_probability
from . import stage_history
from . import kpi
from . import forecast_category
from . import demo
from . import close_date
from . import forecast_backtest
from . import qualification
from . import next_action
from . import won_reason
from . import briefing
from . import neighbours
from . import chatter
from . import evidence
from . import synthesis

# The figures of sales teams shared by several companies (reviews, targets),
# the rules skipped for a bad value and the forecasts nobody forges: after the
# models they extend.
from .trust import team_figures
from .trust import rule_health
from .trust import forecast_submission
from .trust import stage_gate
