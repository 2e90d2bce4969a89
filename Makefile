# Development commands of crm_pipeline_pilot (see README.md).
.PHONY: setup run test lint i18n test-odoo-crm screenshots

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
