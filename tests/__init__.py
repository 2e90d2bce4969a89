from . import test_follow_up
from . import test_i18n
from . import test_loss_reason
from . import test_margin
from . import test_ui
from . import test_exit_criteria
from . import test_exit_criteria_ui
from . import test_stage_probability
