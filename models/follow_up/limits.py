# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Bounds of the follow-up and stagnation delays."""

# Longest delay, in days, of a stage's stagnation, of the company default and
# of a follow-up step: ten years. Beyond it, date arithmetic would overflow
# (Python dates end in year 9999) and no sales process waits that long.
MAX_DELAY_DAYS = 3650
