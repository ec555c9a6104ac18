"""PgBouncer (Debian's package) in transaction mode in front of the local PostgreSQL, as docs/deployment.md
describes it: for the pooling test, and for CI's PostgreSQL pass, which runs the whole suite through it.

    python -m bench.pgbouncer start --port 6432 --folder /tmp/ks-pgbouncer   # returns once it answers
    python -m bench.pgbouncer stop --folder /tmp/ks-pgbouncer

Every database of the server is reachable (``* = host=… port=…``), and every login role: PgBouncer looks a
role up with ``auth_user``'s query, so roles a test creates (the runtime role of the audit-trail tests) pass
through as themselves. The server trusts loopback, so PgBouncer checks no password either.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

SERVER_HOST = os.environ.get("PGBOUNCER_SERVER_HOST", "127.0.0.1")
SERVER_PORT = int(os.environ.get("PGBOUNCER_SERVER_PORT", "5432"))
ADMIN_USER = "postgres"


def binary() -> str:
    """Debian's pgbouncer, installed if it is missing (tests and CI need nothing installed by hand)."""
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if found is None:
        apt = [*(["sudo"] if shutil.which("sudo") and os.geteuid() != 0 else []), "apt-get"]
        subprocess.run([*apt, "update", "-qq"], check=True, capture_output=True, timeout=600)
        subprocess.run([*apt, "install", "-y", "-qq", "pgbouncer"], check=True, capture_output=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = "/usr/sbin/pgbouncer"
    return found


def new_folder() -> Path:
    """A folder directly under the temporary directory: PgBouncer refuses to run as root, and the user it runs
    as must reach its files (pytest's own temporary folders are private to root)."""
    return Path(tempfile.mkdtemp(prefix="ks-pgbouncer-"))


def write_config(folder: Path, port: int, *, pool_size: int) -> Path:
    (folder / "users.txt").write_text(f'"{ADMIN_USER}" ""\n', encoding="utf-8")
    config = folder / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n* = host={SERVER_HOST} port={SERVER_PORT}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\nauth_user = {ADMIN_USER}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 1000\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n", encoding="utf-8")
    return config


def command(folder: Path, config: Path, *, daemon: bool = False) -> list[str]:
    argv = [binary(), *(["-d"] if daemon else []), str(config)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        folder.chmod(0o777)
        for path in folder.iterdir():
            path.chmod(0o666)
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return argv


def wait_until_ready(port: int, *, alive: Callable[[], None] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(f"postgresql://{ADMIN_USER}@127.0.0.1:{port}/postgres", connect_timeout=2,
                                 prepare_threshold=None) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if alive is not None:
                alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"PgBouncer did not answer on port {port}") from None
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pgbouncer")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--port", type=int, default=6432)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if args.action == "start":
        folder.mkdir(parents=True, exist_ok=True)
        config = write_config(folder, args.port, pool_size=args.pool_size)
        subprocess.run(command(folder, config, daemon=True), check=True)
        wait_until_ready(args.port)
        print(f"PgBouncer answers on 127.0.0.1:{args.port} (transaction mode, pool of {args.pool_size})")
        return 0
    pidfile = folder / "pgbouncer.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
