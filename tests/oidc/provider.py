"""Start the test OpenID Connect provider (provider.mjs: the npm package oidc-provider, OpenID Certified).

Installs what it needs on a fresh Debian machine: Node.js and npm from Debian when missing (as root), the pinned
npm packages with ``npm ci`` into tests/oidc/node_modules (git-ignored) when missing.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT_SECRET = "test-secret-of-the-kommunalschutz-client"


def _node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if (node is None or npm is None) and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "nodejs", "npm"], check=True, env=env, capture_output=True)
        node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeError("The OIDC tests need Node.js and npm (Debian: apt-get install nodejs npm).")
    return node, npm


def _install(npm: str) -> None:
    marker = HERE / "node_modules" / "oidc-provider" / "package.json"
    if marker.exists():
        return
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True,
                   capture_output=True, timeout=600)


@contextmanager
def _installing() -> Iterator[None]:
    """One installer at a time: parallel test workers (pytest-xdist) share the folder."""
    lock_path = HERE.parent.parent / "var" / "oidc-provider-install.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen[str]
    log: list[str]


@contextmanager
def running_provider(*, redirect_uri: str, post_logout_redirect_uri: str) -> Iterator[RunningProvider]:
    with _installing():
        node, npm = _node()
        _install(npm)
    env = {**os.environ, "PORT": "0", "REDIRECT_URI": redirect_uri,
           "POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri, "CLIENT_SECRET": CLIENT_SECRET}
    process = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"The test OIDC provider did not start: {process.stderr.read()}")
        # Drain stderr so the provider never blocks on a full pipe.
        threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
        yield RunningProvider(issuer=json.loads(line)["issuer"], process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
