# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""scripts/dev.py run: progress while the database is created, and the
served address in web.base.url (issue 15)."""

import importlib.util
from pathlib import Path

from odoo.tests import BaseCase, TransactionCase, tagged


def _load_dev():
    path = Path(__file__).resolve().parent.parent / "scripts" / "dev.py"
    spec = importlib.util.spec_from_file_location("support_billing_dev", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = _load_dev()


def _line(level, logger, msg):
    return f"2026-11-28 01:00:00,000 42 {level} support_billing {logger}: {msg}\n"


@tagged("at_install", "-post_install")
class TestInstallProgress(BaseCase):
    def setUp(self):
        super().setUp()
        self.now = 0.0
        self.progress = dev.InstallProgress(interval=3.0, clock=lambda: self.now)

    def _feed(self, line, seconds=1.0):
        self.now += seconds
        return self.progress.feed(line)

    def test_modules_throttled_steps_at_once(self):
        loading = "odoo.modules.loading"
        self.assertEqual(
            self._feed(_line("INFO", loading, "loading 61 modules...")),
            ["loading 61 modules"],
        )
        shown = []
        for n in range(1, 8):
            shown += self._feed(
                _line("INFO", loading, f"Loading module mod{n} ({n}/61)")
            )
        # one line every 3 seconds, not one per module
        self.assertEqual(shown, ["module 3/61: mod3", "module 6/61: mod6"])
        # a new step shows the last module first, then the step
        self.assertEqual(
            self._feed(_line("INFO", loading, "Module mod7: loading demo")),
            ["module 7/61: mod7", "demo data of mod7"],
        )
        self.assertEqual(
            self._feed(_line("INFO", "odoo.modules.loading", "Modules loaded.")),
            ["all modules loaded"],
        )
        # other INFO lines and continuation lines stay in the log file only
        self.assertEqual(self._feed(_line("INFO", "odoo.x", "loading a/b.xml")), [])
        self.assertEqual(self._feed("Traceback (most recent call last):\n"), [])

    def test_warnings_always_shown(self):
        warning = _line("WARNING", "odoo.models", "field x is deprecated")
        self.assertEqual(self._feed(warning, seconds=0.0), [warning.rstrip()])


@tagged("post_install", "-at_install")
class TestRunBaseUrl(TransactionCase):
    def test_port_sets_and_freezes_base_url(self):
        params = self.env["ir.config_parameter"]
        for port in (8070, 8069):
            self.env.cr.execute(dev.base_url_sql(port))
            self.env.invalidate_all()
            values = dict(
                params.search(
                    [("key", "in", ("web.base.url", "web.base.url.freeze"))]
                ).mapped(lambda p: (p.key, p.value))
            )
            self.assertEqual(
                values,
                {
                    "web.base.url": f"http://127.0.0.1:{port}",
                    "web.base.url.freeze": "True",
                },
            )
