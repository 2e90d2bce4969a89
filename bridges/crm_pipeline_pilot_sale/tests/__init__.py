from . import test_sale_margin
from . import test_sale_margin_ui
from . import test_sale_margin_i18n
from . import test_sale_margin_proposal
from . import test_sale_margin_gate_rpc
from . import test_sale_margin_registry
from . import test_sale_margin_review
from . import test_sale_margin_redteam
