# Development commands of crm_pipeline_pilot (see README.md).
.PHONY: setup run test lint i18n benchmark

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

# The benchmark against plain Odoo CRM (not a test): make benchmark SIZE=full
SIZE ?= small
benchmark:
	SIZE=$(SIZE) bash scripts/benchmark.sh $(BENCH_ARGS)
