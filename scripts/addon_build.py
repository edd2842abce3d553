# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""PEP 517 build backend: OCA's ``whool``, with the addon always named
``support_billing`` and only what Odoo needs at run time in the wheel.

whool names the distribution after the folder it builds (a clone in ``main``
would give ``odoo-addon-main``, installed as ``odoo/addons/main``).  This
backend runs whool's own hooks with two changes:

- the distribution is ``odoo-addon-support_billing`` whatever the folder is
  called (version, dependencies and description still come from whool and the
  manifest, the version counting the git commits since the manifest's);
- the wheel holds the addon, not its development files (``EXCLUDED``: tests,
  scripts, CI, linters' settings); the sdist keeps ``PKG-INFO`` and a plain
  whool ``pyproject.toml``, so it rebuilds to the same wheel.
"""

import shutil
from pathlib import Path

import whool.buildapi as whool

ADDON = "support_billing"
DISTRIBUTION = f"odoo-addon-{ADDON}"
#: top-level entries of the repository left out of the wheel and the sdist
EXCLUDED = {
    ".ci",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".pylintrc-mandatory",
    ".ruff.toml",
    "readme",
    "scripts",
    "tests",
}
PLAIN_WHOOL = """\
[build-system]
requires = ["whool"]
build-backend = "whool.buildapi"
"""

_get_metadata = whool._get_metadata
_copy_to = whool._copy_to


def _named_metadata(addon_dir):
    metadata = _get_metadata(addon_dir)
    metadata.replace_header("Name", DISTRIBUTION)
    return metadata


def _copy_addon(addon_dir, dst):
    _copy_to(addon_dir, dst)
    for name in EXCLUDED:
        path = Path(dst) / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    pyproject = Path(dst) / "pyproject.toml"
    if pyproject.exists():
        pyproject.write_text(PLAIN_WHOOL, encoding="utf-8")


whool._get_metadata = _named_metadata
whool._copy_to = _copy_addon

build_wheel = whool.build_wheel
build_editable = whool.build_editable
build_sdist = whool.build_sdist
prepare_metadata_for_build_wheel = whool.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = whool.prepare_metadata_for_build_editable
