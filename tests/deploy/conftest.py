"""Fixtures of the deployment checks: the chart rendered with each values file, the compose file parsed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy import tools

DEPLOY = tools.PROJECT_DIR / "deploy"
CHART = DEPLOY / "helm" / "kommunalschutz"
# Every values file of the chart: values.yaml alone, and each example on top of it (as `helm -f` does).
VALUES_FILES = ["values.yaml", *sorted(p.name for p in CHART.glob("values-*.yaml"))]


def helm_template(values_file: str, *extra: str, namespace: str = "kommunalschutz") -> subprocess.CompletedProcess[str]:
    args = [str(tools.helm()), "template", "ks", str(CHART), "--namespace", namespace]
    if values_file != "values.yaml":
        args += ["-f", str(CHART / values_file)]
    return subprocess.run([*args, *extra], capture_output=True, text=True, check=False)


def render(values_file: str, *extra: str) -> list[dict[str, Any]]:
    result = helm_template(values_file, *extra)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def helm() -> Path:
    return tools.helm()


@pytest.fixture(scope="session")
def rendered(helm: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: render(name) for name in VALUES_FILES}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def pod_specs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod spec of a workload manifest (Deployment, Job, CronJob), else nothing."""
    kind = manifest["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return [manifest["spec"]["template"]["spec"]]
    if kind == "CronJob":
        return [manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, suffix: str) -> dict[str, Any]:
    (found,) = [doc for doc in by_kind(docs, kind) if doc["metadata"]["name"].endswith(suffix)]
    return found
