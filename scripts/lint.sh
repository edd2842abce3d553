#!/usr/bin/env bash
# Lint without git hooks: ruff, ruff format --check, pylint-odoo's mandatory checks.
# The same tools and settings as .pre-commit-config.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q 'ruff==0.17.6' 'pylint-odoo==10.0.12' >/dev/null 2>&1 ||
  python3 -m pip install -q 'ruff==0.17.6' 'pylint-odoo==10.0.12'
echo "[lint] ruff check"
python3 -m ruff check .
echo "[lint] ruff format --check"
python3 -m ruff format --check .
echo "[lint] pylint-odoo (mandatory checks)"
# pylint needs the addon under its technical name
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$PWD" "$tmp/support_billing"
python3 -m pylint --rcfile=.pylintrc-mandatory "$tmp/support_billing"
echo "[lint] static/description/index.html is current (readme/ fragments)"
# docutils comes with Odoo: the Python that runs Odoo has it
"${ODOO_PYTHON:-python3}" scripts/readme_html.py --check
echo "[lint] ok"
