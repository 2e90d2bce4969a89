# Development commands of crm_pipeline_pilot (see README.md).
.PHONY: setup run test lint i18n lifecycle-sale test-odoo-sale test-odoo-crm test-odoo-neighbours test-oca screenshots benchmark lifecycle smoke-workers test-faults benchmark-throughput evidence-metrics

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

# Odoo's own tests with the add-on installed (see docs/safety_checks.md);
# BASELINE=1 also runs them without the add-on.
test-odoo-crm:
	PILOT_BASELINE=$(BASELINE) bash scripts/test_odoo.sh crm

test-odoo-neighbours:
	PILOT_BASELINE=$(BASELINE) bash scripts/test_odoo.sh neighbours

# Odoo's sale_crm and sale_margin tests with the sales margins bridge installed.
test-odoo-sale:
	PILOT_BASELINE=$(BASELINE) bash scripts/test_odoo.sh sale

# OCA's CRM add-ons beside this one: their tests without and with it, all of them
# at once with this add-on's suite (SUITE="EXPR": pytest's -k, for a subset), install order,
# upgrade and uninstallation (see docs/integrators.md).
test-oca:
	PILOT_OCA_SUITE="$(SUITE)" bash scripts/test_oca.sh

screenshots:
	bash -c 'source scripts/env.sh && "$$PY" scripts/screenshots.py'

# The benchmark against plain Odoo CRM (not a test): make benchmark SIZE=full
SIZE ?= small
benchmark:
	SIZE=$(SIZE) bash scripts/benchmark.sh $(BENCH_ARGS)

# Its throughput line: requests per second over HTTP with 2 and 4 workers, add-on / plain.
benchmark-throughput:
	bash scripts/benchmark.sh --throughput

# Safe on an existing database (see docs/safety_checks.md): install/upgrade/uninstall on
# generated data, and a multi-worker smoke test over HTTP while the crons run (both
# part of the full `make test`).
lifecycle:
	bash scripts/lifecycle.sh

# The same for the sales margins bridge: installed on a database full of orders.
lifecycle-sale:
	bash scripts/lifecycle_sale.sh

smoke-workers:
	bash scripts/smoke_workers.sh

# Load and faults (see docs/safety_checks.md): salespeople at once while the crons run,
# two users on one deal, workers killed, the local PostgreSQL restarted. Not in `make test`.
test-faults:
	bash scripts/test_faults.sh

# The exchanges' reader on its labelled corpus: per-kind precision and recall
# (tuned part, held-out part, whole corpus); fails when a target is missed.
evidence-metrics:
	bash -c 'source scripts/env.sh && "$$PY" scripts/evidence_metrics.py'
