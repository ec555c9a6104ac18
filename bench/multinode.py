"""The standard size on one machine: the processes of deploy/compose.yaml, started from this virtual environment.

PostgreSQL and Redis are the machine's own (a database and a Redis key prefix of the cluster's own); the
migrate step, the app nodes and the task worker run exactly the ``command:`` lists of the Compose file's
services, with the Compose file's environment where it matters (GUNICORN_BIND, REDIS_URL) and the secrets as
plain variables; nginx runs Debian's binary with deploy/nginx/kommunalschutz.conf, the upstream servers and
the listener rewritten to loopback ports. Each app node has a KOMMUNALSCHUTZ_VAR_DIR of its own, so nothing
a request needs can come from one node's disk. The static files are collected once into a directory all
nodes read, as an image carries them.

Used by tests/multinode (a login on one node continuing on the other, a task queued on one and followed on
the other, a node killed mid-traffic) and by the bench (two nodes against one, ``bench.multinode_load``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import deployment
from bench.deployment import HOST, BenchError, Deployment, Server
from bench.machine import PROJECT_DIR

COMPOSE_FILE = PROJECT_DIR / "deploy" / "compose.yaml"
NGINX_SITE = PROJECT_DIR / "deploy" / "nginx" / "kommunalschutz.conf"
BIN_DIR = Path(sys.executable).parent
# The processes of the platform itself in the Compose file (PostgreSQL, Redis and nginx are the machine's).
PLATFORM_SERVICES = ("migrate", "app-1", "app-2", "worker")


def compose_services() -> dict[str, Any]:
    import yaml

    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    services: dict[str, Any] = document["services"]
    return services


def compose_commands() -> dict[str, list[str]]:
    """Each platform service's argv, as the Compose file declares it."""
    services = compose_services()
    return {name: [str(part) for part in services[name]["command"]] for name in PLATFORM_SERVICES}


def _argv(command: list[str]) -> list[str]:
    """The Compose command with its program taken from this virtual environment (the image's PATH)."""
    program = BIN_DIR / command[0]
    if not program.exists():
        raise BenchError(f"{command[0]} is not installed in {BIN_DIR}")
    return [str(program), *command[1:]]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        apt = [*(["sudo"] if shutil.which("sudo") and os.geteuid() != 0 else []), "apt-get"]
        subprocess.run([*apt, "update", "-qq"], check=True, capture_output=True, timeout=600)
        subprocess.run([*apt, "install", "-y", "-qq", "nginx-light"], check=True, capture_output=True,
                       timeout=600, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = "/usr/sbin/nginx"
    return found


def nginx_site(listen: int, upstreams: list[int]) -> str:
    """deploy/nginx/kommunalschutz.conf with loopback ports; one node leaves only app-1 in the upstream."""
    text = NGINX_SITE.read_text(encoding="utf-8")
    replacements = [("listen 8080;", f"listen {HOST}:{listen};"),
                    ("server app-1:8000", f"server {HOST}:{upstreams[0]}")]
    if len(upstreams) > 1:
        replacements.append(("server app-2:8000", f"server {HOST}:{upstreams[1]}"))
    for old, new in replacements:
        if text.count(old) != 1:
            raise BenchError(f"{NGINX_SITE.name} no longer has exactly one {old!r}")
        text = text.replace(old, new)
    if len(upstreams) == 1:
        text = "\n".join(line for line in text.splitlines() if "server app-2:8000" not in line) + "\n"
    return text


def nginx_config(prefix: Path, site: str) -> Path:
    """A minimal nginx.conf around the site (Debian's includes conf.d/*.conf inside http the same way)."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {name}_temp_path {prefix / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = prefix / "nginx.conf"
    config.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n{temp}\n  include {prefix / 'site.conf'};\n}}\n",
        encoding="utf-8")
    return config


@dataclass
class Cluster:
    deployment: Deployment
    work_dir: Path
    nodes: list[Server] = field(default_factory=list)
    node_env: list[dict[str, str]] = field(default_factory=list)
    worker: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None
    port: int = 0

    def manage(self, *args: str, node: int = 0, timeout: float = 600) -> str:
        """A command as an operator runs it on a node (that node's environment); its output."""
        result = subprocess.run(_argv(["kommunalschutz", *args]), cwd=PROJECT_DIR, env=self.node_env[node],
                                capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise BenchError(f"kommunalschutz {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def kill_node(self, index: int) -> None:
        """SIGKILL to the node's whole process group (master and workers), as a crashed machine."""
        server = self.nodes[index]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def start(work_dir: Path, *, nodes: int = 2, worker: bool = True, web_concurrency: int = 2,
          environment: dict[str, str] | None = None) -> Cluster:
    """Database, migrations, ``nodes`` app nodes, the worker and nginx; ready when this returns."""
    prefix = f"ks-cluster-{os.getpid()}-{secrets.token_hex(3)}:"
    static_root = work_dir / "static"
    dep = deployment.create("postgres", work_dir, redis_key_prefix=prefix, environment={
        "STATIC_ROOT": str(static_root), "WEB_CONCURRENCY": str(web_concurrency), **(environment or {})})
    cluster = Cluster(deployment=dep, work_dir=work_dir)
    try:
        commands = compose_commands()
        node_names = ["app-1", "app-2"][:nodes]
        for index, _name in enumerate(node_names):
            var_dir = work_dir / f"node-{index + 1}"
            var_dir.mkdir(parents=True, exist_ok=True)
            cluster.node_env.append({**dep.env, "KOMMUNALSCHUTZ_VAR_DIR": str(var_dir)})
        worker_env = {**dep.env, "KOMMUNALSCHUTZ_VAR_DIR": str(work_dir / "worker")}
        (work_dir / "worker").mkdir(exist_ok=True)
        migrate = subprocess.run(_argv(commands["migrate"]), cwd=PROJECT_DIR, env=cluster.node_env[0],
                                 capture_output=True, text=True, timeout=900, check=False)
        if migrate.returncode != 0:
            raise BenchError(f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
        cluster.manage("collectstatic", "--noinput", "-v0")
        for index, name in enumerate(node_names):
            port = deployment.free_port()
            env = cluster.node_env[index]
            env["GUNICORN_BIND"] = f"{HOST}:{port}"
            process = _start(_argv(commands[name]), env, work_dir / f"{name}.log")
            cluster.nodes.append(Server(port=port, process=process, log=work_dir / f"{name}.log"))
        if worker:
            cluster.worker = _start(_argv(commands["worker"]), worker_env, work_dir / "worker.log")
        for server in cluster.nodes:
            deployment.wait_until_ready(server, "/impressum/", timeout=120)
        cluster.port = deployment.free_port()
        config = nginx_config(work_dir / "nginx", nginx_site(cluster.port, [s.port for s in cluster.nodes]))
        cluster.nginx = _start([nginx_binary(), "-c", str(config), "-p", str(config.parent)], os.environ.copy(),
                               work_dir / "nginx.log")
        _wait_for(cluster.port, "/impressum/")
        return cluster
    except BaseException:
        stop(cluster)
        raise


def _wait_for(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if deployment.get(port, path, timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"nothing answered 200 on port {port}{path}")


def stop(cluster: Cluster) -> None:
    processes = [server.process for server in cluster.nodes]
    processes += [p for p in (cluster.worker, cluster.nginx) if p is not None]
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    deployment.destroy(cluster.deployment)
