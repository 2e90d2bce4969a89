# Development commands of crm_pipeline_pilot (see README.md).
.PHONY: setup run test lint i18n

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
