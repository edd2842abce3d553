# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Run by .ci/run inside the throwaway virtualenv holding the addon's wheel:
the addon is ``odoo.addons.support_billing`` from that virtualenv's
site-packages, and Odoo's module loader finds it there by name."""

import importlib.util
import sys
import sysconfig
from pathlib import Path

from odoo.modules.module import Manifest, get_module_path

site = Path(sysconfig.get_path("purelib")).resolve()
spec = importlib.util.find_spec("odoo.addons.support_billing")
origin = Path(spec.origin).resolve()
if site not in origin.parents:
    sys.exit(f"odoo.addons.support_billing comes from {origin}, not from {site}")
manifest = Manifest.for_addon("support_billing")
path = Path(get_module_path("support_billing")).resolve()
if manifest is None or path != origin.parent:
    sys.exit(f"Odoo's module loader finds support_billing at {path}, not {origin}")
if not manifest["installable"] or manifest["name"] != "IT Support Billing":
    sys.exit(f"unexpected manifest: {dict(manifest)}")
for dev_only in ("scripts", "tests", ".ci", "pyproject.toml"):
    if (path / dev_only).exists():
        sys.exit(f"{dev_only} should not be in the wheel")
print(f"CI: wheel OK, Odoo loads support_billing from {path}")
