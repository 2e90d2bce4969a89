# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import controllers
from . import models
from . import report
from . import wizard
from .hooks import post_init_hook, pre_init_hook, uninstall_hook
