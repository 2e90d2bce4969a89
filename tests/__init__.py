# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_follow_up
from . import test_i18n
from . import test_loss_reason
from . import test_margin
from . import test_ui
from . import test_exit_criteria
from . import test_exit_criteria_ui
from . import test_gates_rpc
from . import test_navigation
from . import test_exit_criteria_security
from . import test_stage_probability
from . import test_kpi
from . import test_kpi_ui
from . import test_kpi_xlsx
from . import test_access
from . import test_multi_company
from . import test_validation
from . import test_lifecycle
from . import test_scheduled_work
from . import test_targets
from . import test_forecast_categories
from . import test_close_dates
from . import test_qualification
from . import test_next_action
from . import test_won_reason
from . import test_briefing
