# The benchmark's scripts (run.py, generate.py) are run from the command line,
# never imported by Odoo: see README.md, "Benchmark".
