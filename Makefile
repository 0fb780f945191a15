# The two commands of the README:
#   make reports   set up what is needed, execute the notebooks that are out of date (all of them
#                  the first time; FORCE=1 re-runs every one; two side by side, LANES=1 one after
#                  another), write reports/*.html and index.html
#   make test      cargo tests (golden numbers; the Spark engine against a local Spark Connect
#                  server), the runner's tests, the notebooks (they must never rot), then a frame
#                  kept across kernel cells
# And one more: make lab   JupyterLab (pinned, in the project's venv) on the notebooks.

# The raw CSV (iFood ml_project1_data.csv). Default: the shared copy next to this repository.
CAMPAIGN_STUDY_INPUT ?= $(abspath ../shared/data/ifood_crm.csv)
export CAMPAIGN_STUDY_INPUT

.PHONY: reports test setup cargo-test py-test kernel-test lab pipeline clean-reports

reports: setup
	.venv/bin/python scripts/run_notebooks.py

setup:
	scripts/setup.sh

test: setup cargo-test py-test reports kernel-test

# The report runner's own tests (which notebooks re-execute after which change).
py-test: setup
	.venv/bin/python scripts/test_run_notebooks.py

# The kernel as a workbench: a frame bound in one cell answers in the next (after the reports: the
# kernel's build is warm and the layers exist).
kernel-test: setup
	.venv/bin/python scripts/test_kernel_frames.py

# JupyterLab, pinned (requirements-lab.txt, installed once beside the reports' packages, whose pins
# it keeps), on the notebooks with the project's Rust kernel.
lab: setup
	cmp -s requirements-lab.txt .venv/.requirements-lab.txt || { \
	  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-lab.txt -c requirements.txt \
	  && cp requirements-lab.txt .venv/.requirements-lab.txt; }
	.venv/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# With the Spark engine (feature spark): tests/study/spark.rs starts the local Spark Connect server
# (scripts/spark.sh), which is stopped after the tests so that the notebooks have its memory.
cargo-test:
	scripts/build_xgboost.sh
	cargo test --locked --features campaign-study/spark; status=$$?; scripts/spark.sh stop; exit $$status

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
