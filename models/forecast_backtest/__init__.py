# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_forecast_backtest
from . import crm_forecast_backtest_rebuild
from . import crm_forecast_backtest_line
from . import crm_forecast_backtest_month
from . import crm_team
from . import crm_pipeline_review
