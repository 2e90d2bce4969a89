# Development commands of crm_pipeline_pilot (see README.md).
.PHONY: setup run test lint i18n test-odoo-crm screenshots benchmark lifecycle smoke-workers

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	bash scripts/lint.sh

i18n:
	bash scripts/i18n.sh

test-odoo-crm:
	bash scripts/test_odoo_crm.sh

screenshots:
	bash -c 'source scripts/env.sh && "$$PY" scripts/screenshots.py'

# The benchmark against plain Odoo CRM (not a test): make benchmark SIZE=full
SIZE ?= small
benchmark:
	SIZE=$(SIZE) bash scripts/benchmark.sh $(BENCH_ARGS)

# Safe on an existing database (see docs/safety_checks.md): install/upgrade/uninstall on
# generated data, and a multi-worker smoke test over HTTP while the crons run.
lifecycle:
	bash scripts/lifecycle.sh

smoke-workers:
	bash scripts/smoke_workers.sh
