"""deploy/: the Compose file and the Kubernetes manifests run what the product is, take every
secret from outside the repository, and carry Debezium's configuration unchanged."""
from __future__ import annotations

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
            "reconcile", "way-back", "way-back-worker"} <= set(services)
    assert services["way-back-worker"]["command"] == ["way-back", "worker"]
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
            ("Role", "connect-reads-agdref-credentials"),
            ("Deployment", "worker"), ("Deployment", "web"), ("CronJob", "reconcile")} <= kinds
    assert not [m for m in manifests() if m["kind"] == "Secret"]
    text = "\n".join(p.read_text() for p in (DEPLOY / "k8s").glob("*.yaml"))
    assert "password:" not in text.lower().replace("database.password:", "")


def test_the_generated_deploy_files_are_the_rendering_of_the_declarations():
    from infra.deploy_files import stale

    assert stale() == [], "run `agdref-anef deploy render`"


def test_each_deployment_runs_with_the_values_its_generated_files_were_rendered_for():
    from infra.deploy_files import COMPOSE, KUBERNETES

    [config_map] = [m for m in manifests() if m["kind"] == "ConfigMap"]
    environment = compose()["x-app"]["environment"]
    for deployment, values in ((KUBERNETES, config_map["data"]), (COMPOSE, environment)):
        assert values["KAFKA_TOPIC_PREFIX"] == deployment.prefix
        assert int(values["KAFKA_TOPIC_PARTITIONS"]) == deployment.partitions
        assert int(values["KAFKA_REPLICATION_FACTOR"]) == deployment.replication_factor
        assert int(values["KAFKA_MIN_INSYNC_REPLICAS"]) == deployment.min_insync_replicas
        assert values["REPLICATION_SLOT"] == deployment.slot
    assert config_map["data"]["WORKER_METRICS_HOST"] == "0.0.0.0", "Prometheus scrapes the pod from outside"
    topics = {m["metadata"]["name"] for m in manifests() if m["kind"] == "KafkaTopic"}
    assert topics == {t.name for t in KUBERNETES.topics()}


def test_compose_starts_each_part_once_what_it_needs_is_healthy_or_done():
    services = compose()["services"]
    for name, service in services.items():
        needs = service.get("depends_on", {})
        assert isinstance(needs, dict), f"{name}: depends_on without conditions"
        for other, condition in needs.items():
            wanted = "service_completed_successfully" if other == "schema" else "service_healthy"
            assert condition == {"condition": wanted}, f"{name} → {other}"
            if wanted == "service_healthy":
                assert "healthcheck" in services[other], f"{other} has no health check"
    for name in ("worker", "web", "exporter", "connect"):
        assert "schema" in services[name]["depends_on"], f"{name} may start before db init"
    assert services["connect"]["image"].endswith(":3.6.1.Final")
    assert services["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert services["worker"]["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"


def test_the_strimzi_resources_use_the_current_api_and_connect_may_read_its_secret():
    strimzi = [m for m in manifests() if m["apiVersion"].startswith("kafka.strimzi.io/")]
    assert {m["apiVersion"] for m in strimzi} == {"kafka.strimzi.io/v1"}
    assert not [m for m in strimzi if {"strimzi.io/kraft", "strimzi.io/node-pools"} & set(
        m["metadata"].get("annotations", {}))], "annotations Strimzi 1.x no longer reads"
    [binding] = [m for m in manifests() if m["kind"] == "RoleBinding"]
    [connect] = [m for m in strimzi if m["kind"] == "KafkaConnect"]
    assert binding["subjects"][0]["name"] == f"{connect['metadata']['name']}-connect"


def test_the_nightly_cronjob_reconciles_then_reports_and_fails_on_critical_divergences():
    [job] = [m for m in manifests() if m["kind"] == "CronJob"]
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][-1]
    assert "agdref-anef reconcile" in script and "agdref-anef report" in script and "exit $found" in script


def test_prometheus_in_compose_loads_the_alert_rules_the_tests_check():
    config = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert {job["job_name"] for job in config["scrape_configs"]} == {"agdref-anef-worker", "agdref-anef-exporter",
                                                                        "agdref-anef-way-back"}


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
