# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Tests that need OCA's CRM add-ons installed (scripts/requirements-oca.txt):
run by scripts/test_oca.sh on its database where all of them are installed,
not by the add-on's suite (they fail, never skip, without those add-ons)."""

from . import test_oca_neighbours
from . import test_oca_shared_stages
