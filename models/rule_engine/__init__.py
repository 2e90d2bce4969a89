# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_pipeline_cache_mixin
from . import crm_pipeline_lead_rule_mixin
from . import crm_pipeline_lead_rule_mixin_domain
from . import crm_pipeline_lead_rule_mixin_evaluation
from . import crm_pipeline_lead_rule_mixin_dependencies
