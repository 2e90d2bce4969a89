from . import test_loss_reason
from . import test_margin
from . import test_ui
