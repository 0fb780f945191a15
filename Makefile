# The two commands of the README:
#   make reports   set up what is needed, execute every notebook in order, write reports/*.html
#   make test      cargo tests (golden numbers), then execute the notebooks (they must never rot)

# The raw CSV (iFood ml_project1_data.csv). Default: the shared copy next to this repository.
CAMPAIGN_STUDY_INPUT ?= $(abspath ../shared/data/ifood_crm.csv)
export CAMPAIGN_STUDY_INPUT

.PHONY: reports test setup cargo-test pipeline clean-reports

reports: setup
	.venv/bin/python scripts/run_notebooks.py

setup:
	scripts/setup.sh

test: setup cargo-test reports

cargo-test:
	scripts/build_xgboost.sh
	cargo test --locked

# The study without Jupyter: every stage through the CLI, in order.
pipeline:
	scripts/build_xgboost.sh
	cargo run --release --locked -- layers --input "$(CAMPAIGN_STUDY_INPUT)"
	cargo run --release --locked -- eda
	cargo run --release --locked -- segment
	cargo run --release --locked -- classify
	cargo run --release --locked -- profit

clean-reports:
	rm -rf reports
