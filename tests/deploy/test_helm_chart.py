"""The Helm chart renders with every values file, validates against Kubernetes' schemas and keeps the policies
of decision 0038 (restricted pod security, secrets only from existing Secrets, probes, monitoring).

A pinned helm binary renders it (tests/deploy/tools.py); kubernetes-validate checks each manifest against the
OpenAPI schemas of the oldest Kubernetes the chart supports and the newest the package ships, in strict mode
(unknown fields are errors). The Prometheus Operator's kinds have no schema there: they are checked against
the structure the operator's CRDs require (crd_schemas.py), and the alert rules' expressions are parsed with
Prometheus' own PromQL grammar (tools.promql_errors).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy import crd_schemas, tools
from tests.deploy.conftest import CHART, VALUES_FILES, by_kind, helm_template, named, pod_specs, render
from tests.deploy.secrets_check import credentials_in, is_secret_name

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once

OLDEST_KUBERNETES = "1.27"  # Chart.yaml's kubeVersion
NEWEST_KUBERNETES = "1.37"
CRD_KINDS = {"ServiceMonitor": crd_schemas.SERVICE_MONITOR, "PrometheusRule": crd_schemas.PROMETHEUS_RULE}


def test_the_chart_names_the_kubernetes_versions_the_checks_use() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    assert chart["kubeVersion"] == f">={OLDEST_KUBERNETES}.0-0"
    assert chart["apiVersion"] == "v2"


def test_there_are_example_values_files() -> None:
    assert {"values.yaml", "values-minimal.yaml", "values-s3.yaml", "values-ha.yaml"} <= set(VALUES_FILES)


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_helm_lint_passes_strictly(helm: Path, values_file: str) -> None:
    args = [str(helm), "lint", "--strict", str(CHART)]
    if values_file != "values.yaml":
        args += ["-f", str(CHART / values_file)]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, NEWEST_KUBERNETES])
@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_manifest_validates_against_the_kubernetes_schema(
    rendered: dict[str, list[dict[str, Any]]], values_file: str, version: str
) -> None:
    docs = rendered[values_file]
    assert docs
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            jsonschema.validate(doc, CRD_KINDS[doc["kind"]])
        else:
            kubernetes_validate.validate(doc, version, strict=True)


def test_strict_validation_refuses_a_misspelt_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    """The check above can fail: a typo in a security setting is an error, not silently ignored."""
    app = json.loads(json.dumps(named(rendered["values.yaml"], "Deployment", "-app")))
    context = app["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context["readOnlyRootFilesytem"] = context.pop("readOnlyRootFilesystem")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(app, NEWEST_KUBERNETES, strict=True)


def test_crd_structure_check_refuses_a_broken_service_monitor(rendered: dict[str, list[dict[str, Any]]]) -> None:
    monitor = json.loads(json.dumps(named(rendered["values.yaml"], "ServiceMonitor", "kommunalschutz")))
    monitor["spec"]["endpoints"][0]["authorization"]["credentials"] = "the-token-itself"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(monitor, crd_schemas.SERVICE_MONITOR)


def test_default_installation_has_every_part(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["values.yaml"]
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "Job", "Service", "Ingress", "ConfigMap", "NetworkPolicy", "ServiceMonitor",
            "PrometheusRule", "PodDisruptionBudget"} <= kinds
    assert "Secret" not in kinds
    app = named(docs, "Deployment", "-app")
    assert app["spec"]["replicas"] == 2
    assert named(docs, "Deployment", "-worker")["spec"]["replicas"] == 1


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_pod_runs_restricted(rendered: dict[str, list[dict[str, Any]]], values_file: str) -> None:
    """Pod security standard "restricted", plus a read-only root file system, for every container."""
    specs = [spec for doc in rendered[values_file] for spec in pod_specs(doc)]
    assert len(specs) >= 3  # app, worker, migrations
    for spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC")
        for volume in spec.get("volumes", []):
            assert "hostPath" not in volume
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context.get("privileged", False) is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert not context["capabilities"].get("add")
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert container["resources"]["requests"] and container["resources"]["limits"]
            mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
            # Writable only /tmp, the metrics directory and the var volume (all in volumes, none in the image).
            assert {"/tmp", "/run/prometheus", "/var/lib/kommunalschutz"} <= set(mounts)
            assert mounts["/run/secrets/kommunalschutz"]["readOnly"] is True
            assert not container["image"].endswith(":latest")


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_no_secret_value_is_rendered(rendered: dict[str, list[dict[str, Any]]], values_file: str) -> None:
    docs = rendered[values_file]
    assert not by_kind(docs, "Secret")
    text = yaml.safe_dump_all(docs)
    assert credentials_in(text) == []
    for config_map in by_kind(docs, "ConfigMap"):
        assert not [key for key in config_map["data"] if is_secret_name(key)]
    for spec in (spec for doc in docs for spec in pod_specs(doc)):
        for container in spec["containers"]:
            for variable in container.get("env", []):
                assert "valueFrom" not in variable, "secrets come as files, never as environment values"
                assert not is_secret_name(variable["name"]), variable
                if variable["name"].endswith("_FILE"):
                    assert variable["value"].startswith("/run/secrets/kommunalschutz/")
            for source in container.get("envFrom", []):
                assert "secretRef" not in source


@pytest.mark.parametrize(
    ("setting", "value"),
    [("config.SECRET_KEY", "x" * 50), ("config.DATABASE_URL", "postgres://a:b@db/ks"),
     ("config.OIDC_CLIENT_SECRET", "abc"), ("config.FILE_STORAGE_S3_SECRET_ACCESS_KEY", "abc")],
)
def test_the_chart_refuses_a_secret_in_its_values(helm: Path, setting: str, value: str) -> None:
    result = helm_template("values.yaml", "--set", f"{setting}={value}")
    assert result.returncode != 0
    assert "is a secret: put it into a Kubernetes Secret" in result.stderr
    assert value not in result.stdout


def test_the_chart_refuses_a_second_worker(helm: Path) -> None:
    result = helm_template("values.yaml", "--set", "worker.replicas=2")
    assert result.returncode != 0
    assert "worker.replicas must be 1" in result.stderr


def test_the_chart_refuses_a_backup_without_a_volume(helm: Path) -> None:
    result = helm_template("values.yaml", "--set", "backup.enabled=true")
    assert result.returncode != 0
    assert "backup.existingClaim" in result.stderr


def _secret_files(spec: dict[str, Any]) -> set[str]:
    (projected,) = [volume["projected"] for volume in spec["volumes"] if volume["name"] == "secrets"]
    return {item["path"] for source in projected["sources"] for item in source["secret"]["items"]}


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_only_the_migrations_job_gets_the_owner_role(rendered: dict[str, list[dict[str, Any]]],
                                                      values_file: str) -> None:
    docs = rendered[values_file]
    for doc in docs:
        for spec in pod_specs(doc):
            env = {variable["name"] for variable in spec["containers"][0]["env"]}
            has_owner = "MIGRATION_DATABASE_URL" in _secret_files(spec)
            is_migration = doc["kind"] == "Job" and doc["metadata"]["name"].endswith("-migrate")
            assert has_owner is is_migration, doc["metadata"]["name"]
            assert ("MIGRATION_DATABASE_URL_FILE" in env) is is_migration
            assert {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"} <= _secret_files(spec)


def test_migrations_run_as_a_hook_before_install_and_upgrade(rendered: dict[str, list[dict[str, Any]]],
                                                             compose: dict[str, Any]) -> None:
    job = named(rendered["values.yaml"], "Job", "-migrate")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == compose["services"]["migrate"]["command"]
    # A pre-install hook runs before the ConfigMap exists: its settings are inline.
    assert "envFrom" not in container
    env = {variable["name"]: variable.get("value") for variable in container["env"]}
    assert env["ALLOWED_HOSTS"] == "kommunalschutz.example.de"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_app_and_worker_run_the_compose_files_commands(rendered: dict[str, list[dict[str, Any]]],
                                                       compose: dict[str, Any]) -> None:
    docs = rendered["values.yaml"]
    app = named(docs, "Deployment", "-app")["spec"]["template"]["spec"]["containers"][0]
    worker = named(docs, "Deployment", "-worker")["spec"]["template"]["spec"]["containers"][0]
    assert app["command"] == compose["services"]["app-1"]["command"]
    assert worker["command"] == compose["services"]["worker"]["command"]


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_app_pods_are_probed_on_the_health_endpoints(rendered: dict[str, list[dict[str, Any]]],
                                                     values_file: str) -> None:
    app = named(rendered[values_file], "Deployment", "-app")["spec"]["template"]["spec"]["containers"][0]
    assert app["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert app["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert app["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_network_policy_admits_only_the_ingress_controller_and_prometheus(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["values.yaml"]
    policy = named(docs, "NetworkPolicy", "-app")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"port": 8000, "protocol": "TCP"}]
    sources = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule["from"]]
    assert sources == ["ingress-nginx", "prometheus"]
    for peer in rule["from"]:
        assert "namespaceSelector" in peer and "ipBlock" not in peer
    egress_ports = {port["port"] for rule in policy["spec"]["egress"] for port in rule.get("ports", [])}
    assert {53, 5432, 6379} <= egress_ports
    jobs = named(docs, "NetworkPolicy", "-jobs")
    assert jobs["spec"]["ingress"] == []


def test_service_monitor_scrapes_metrics_with_the_token_from_a_secret(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["values.yaml"]
    monitor = named(docs, "ServiceMonitor", "kommunalschutz")
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": {"name": "kommunalschutz-metrics",
                                                                           "key": "token"}}
    service = named(docs, "Service", "kommunalschutz")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    # The app reads the same Secret's key as METRICS_TOKEN.
    app = named(docs, "Deployment", "-app")["spec"]["template"]["spec"]
    (projected,) = [volume["projected"] for volume in app["volumes"] if volume["name"] == "secrets"]
    metrics = [source["secret"] for source in projected["sources"]
               if source["secret"]["items"][0]["path"] == "METRICS_TOKEN"]
    assert metrics == [{"name": "kommunalschutz-metrics", "items": [{"key": "token", "path": "METRICS_TOKEN"}]}]


def test_alert_rules_cover_the_issues_list(rendered: dict[str, list[dict[str, Any]]]) -> None:
    rule = named(rendered["values.yaml"], "PrometheusRule", "kommunalschutz")
    alerts = {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}
    expected = {
        "KommunalschutzNotReady": "kube_deployment_status_replicas_available",
        "KommunalschutzAcknowledgementOverdue": "kommunalschutz_cases_acknowledgement_overdue",
        "KommunalschutzBackupMissing": "kommunalschutz_backup_last_success_timestamp_seconds",
        "KommunalschutzAuditVerificationFailed": "kommunalschutz_audit_verification_intact",
        "KommunalschutzTaskFailures": "kommunalschutz_task_failures_total",
    }
    for name, metric in expected.items():
        assert metric in alerts[name]["expr"], name
    assert "> 93600" in alerts["KommunalschutzBackupMissing"]["expr"]  # 26 hours
    names = list(alerts)
    errors = tools.promql_errors([alerts[name]["expr"] for name in names])
    assert dict(zip(names, errors, strict=True)) == {name: [] for name in names}
    for alert in alerts.values():
        expr = alert["expr"]
        assert 'namespace="kommunalschutz"' in expr
        assert alert["labels"]["severity"] in {"warning", "critical"}
        assert alert["annotations"]["summary"]


def test_promql_check_finds_a_syntax_error() -> None:
    """The grammar check above can fail: an unclosed parenthesis is found."""
    good, broken = tools.promql_errors(["max(kommunalschutz_cases_acknowledgement_overdue) > 0",
                                        "sum(rate(kommunalschutz_http_requests_total[5m])"])
    assert good == []
    assert broken != []


def test_ingress_fits_the_upload_limit() -> None:
    from django.conf import settings

    docs = render("values.yaml")
    ingress = named(docs, "Ingress", "kommunalschutz")
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert re.fullmatch(r"\d+m", size)
    assert int(size[:-1]) * 1024 * 1024 > settings.EVIDENCE_UPLOAD_MAX_BYTES + 1_000_000
    assert ingress["spec"]["tls"][0]["secretName"] == "kommunalschutz-tls"


def test_examples_change_what_they_say(rendered: dict[str, list[dict[str, Any]]]) -> None:
    minimal = rendered["values-minimal.yaml"]
    assert named(minimal, "Deployment", "-app")["spec"]["replicas"] == 1
    assert not by_kind(minimal, "ServiceMonitor") and not by_kind(minimal, "NetworkPolicy")
    s3 = rendered["values-s3.yaml"]
    assert named(s3, "ConfigMap", "kommunalschutz")["data"]["FILE_STORAGE"] == "s3"
    app = named(s3, "Deployment", "-app")["spec"]["template"]["spec"]
    assert "FILE_STORAGE_S3_SECRET_ACCESS_KEY" in _secret_files(app)
    ha = rendered["values-ha.yaml"]
    assert by_kind(ha, "HorizontalPodAutoscaler") and by_kind(ha, "CronJob")
    assert "replicas" not in named(ha, "Deployment", "-app")["spec"]  # the autoscaler owns it
    assert named(ha, "PodDisruptionBudget", "-app")["spec"]["minAvailable"] == 2
    backup = named(ha, "CronJob", "-backup")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert backup["containers"][0]["command"] == ["kommunalschutz", "backup"]
    assert "MIGRATION_DATABASE_URL" not in _secret_files(backup)


def test_the_docs_name_the_namespace_labels_of_pod_security() -> None:
    docs = (CHART.parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "pod-security.kubernetes.io/enforce=restricted" in docs
