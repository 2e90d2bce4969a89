# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Behaviour next to OCA's CRM add-ons (docs/integrators.md)."""

from . import crm_only_access
from . import crm_stage
from . import crm_lead
