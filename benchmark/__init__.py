# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# The benchmark's scripts (run.py, generate.py, and the modules they import) are run
# from the command line, never imported by Odoo: see docs/benchmark.md.
