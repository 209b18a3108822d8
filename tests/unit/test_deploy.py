"""deploy/: the Compose file and the Kubernetes manifests run what the product is, take every
secret from outside the repository, and carry Debezium's configuration unchanged."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRET_NAMES = re.compile(r"(PASSWORD|SECRET|_KEY|_DATABASE_URL)$")  # a database URL carries its password


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())


def manifests() -> list[dict]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) if path.name != "kustomization.yaml"
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_compose_runs_every_part_of_the_product():
    services = compose()["services"]
    assert {"agdref-db", "anef-db", "kafka", "connect", "worker", "web", "exporter", "prometheus", "grafana",
            "reconcile"} <= set(services)
    assert services["worker"]["command"] == ["worker"] and services["worker"]["deploy"]["replicas"] >= 2
    assert services["web"]["command"] == ["web"]


def test_compose_takes_every_secret_from_the_environment():
    for name, service in compose()["services"].items():
        env = service.get("environment") or {}
        for key, value in env.items():
            if SECRET_NAMES.search(key):
                assert "${" in str(value), f"{name}: {key} is written in the file"


def test_the_kubernetes_manifests_hold_the_expected_resources_and_no_secret():
    kinds = {(m["kind"], m["metadata"]["name"]) for m in manifests()}
    assert {("Kafka", "agdref-anef"), ("KafkaConnect", "agdref-anef-connect"), ("KafkaConnector", "agdref-debezium"),
            ("Deployment", "worker"), ("Deployment", "web"), ("CronJob", "reconcile")} <= kinds
    assert not [m for m in manifests() if m["kind"] == "Secret"]
    text = "\n".join(p.read_text() for p in (DEPLOY / "k8s").glob("*.yaml"))
    assert "password:" not in text.lower().replace("database.password:", "")


def test_the_kafka_connector_resource_is_debeziums_configuration_unchanged():
    reference = json.loads((DEPLOY / "debezium" / "agdref-postgres.json").read_text())["config"]
    [connector] = [m for m in manifests() if m["kind"] == "KafkaConnector"]
    config = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in connector["spec"]["config"].items()}
    same = {k for k in reference if not k.startswith("database.") or k == "database.dbname"}
    assert {k: reference[k] for k in same - {"connector.class", "tasks.max"}} == {k: config[k] for k in same - {"connector.class", "tasks.max"}}
    assert connector["spec"]["class"] == reference["connector.class"]


def test_the_nightly_cronjob_reconciles_then_reports_and_fails_on_critical_divergences():
    [job] = [m for m in manifests() if m["kind"] == "CronJob"]
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][-1]
    assert "agdref-anef reconcile" in script and "agdref-anef report" in script and "exit $found" in script


def test_prometheus_in_compose_loads_the_alert_rules_the_tests_check():
    config = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert {job["job_name"] for job in config["scrape_configs"]} == {"agdref-anef-worker", "agdref-anef-exporter"}


def test_the_image_builds_every_package_the_project_declares():
    import tomllib

    declared = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = {name.rstrip("*") for name in declared["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", (DEPLOY / "Dockerfile").read_text(), re.M))
    assert packages == copied, f"missing from the image: {packages - copied}; not a package: {copied - packages}"


def test_the_lock_file_pins_every_dependency_within_what_pyproject_asks():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pinned = {canonicalize_name(name): version for name, version in
              re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", (DEPLOY / "requirements.lock").read_text(), re.M)}
    for line in tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["project"]["dependencies"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pinned, f"{wanted.name} is not in deploy/requirements.lock: run the command at its top"
        assert wanted.specifier.contains(pinned[name], prereleases=True), f"{name}=={pinned[name]} is not {wanted}"
