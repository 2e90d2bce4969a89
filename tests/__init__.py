from . import test_i18n
from . import test_loss_reason
from . import test_margin
from . import test_ui
from . import test_kpi
from . import test_kpi_ui
