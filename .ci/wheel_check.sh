#!/usr/bin/env bash
# The wheel: built from a clone in a folder with another name, it is still
# odoo-addon-support_billing; installed in a throwaway virtualenv beside Odoo,
# Odoo finds the addon there by name. Run by .ci/run; alone:
#   ODOO_PYTHON=/path/to/python-that-imports-odoo bash .ci/wheel_check.sh
# ODOO_PYTHON may be a system Python or a virtualenv's (issue 26, item 5).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${ODOO_PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q . "$tmp/some-other-name" || exit 1
"$PY" -m pip wheel -q --no-deps "$tmp/some-other-name" -w "$tmp/dist" || exit 1
ls "$tmp"/dist/odoo_addon_support_billing-19.0.*-py3-none-any.whl || exit 1
# A virtualenv made by a virtualenv's Python inherits, with
# --system-site-packages, the packages of the base interpreter, not those of
# the virtualenv that holds Odoo: a .pth file adds the Odoo Python's own
# site-packages (processed as site dirs, so that their .pth files, e.g. an
# editable Odoo's, apply too) after the throwaway virtualenv's.
"$PY" -m venv --system-site-packages "$tmp/venv" || exit 1
odoo_sites=$("$PY" -c 'import site, sys
dirs = site.getsitepackages() + [site.getusersitepackages()]
print(repr([d for d in dirs if d]))') || exit 1
venv_site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
echo "import site; list(map(site.addsitedir, $odoo_sites))" \
  >"$venv_site/zz_odoo_python.pth"
"$tmp/venv/bin/python" -c 'import odoo.release as r; assert r.version_info[0] == 19' || {
  echo "CI: the throwaway virtualenv does not see the Odoo of $PY" >&2
  exit 1
}
"$tmp/venv/bin/python" -m pip install -q "$tmp"/dist/*.whl || exit 1
"$tmp/venv/bin/python" .ci/check_wheel.py
