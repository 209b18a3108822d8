"""deploy/ passes kubeconform -strict (Kubernetes 1.35 and Strimzi 1.2's v1 CRDs, schemas kept in
the repository) and the Compose specification's schema; both validators refuse what is wrong, so
their passing means something."""
from __future__ import annotations

from pathlib import Path

import yaml

from infra import validators

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_kubernetes_manifest_passes_kubeconform_strict():
    done = validators.validate_manifests()
    assert done.returncode == 0, done.stdout + done.stderr
    resources = [doc for path in (DEPLOY / "k8s").glob("*.yaml") for doc in yaml.safe_load_all(path.read_text())
                 if doc and doc.get("kind") != "Kustomization"]  # kubeconform skips the kustomization
    assert "Invalid: 0, Errors: 0" in done.stdout and f"Valid: {len(resources)}," in done.stdout, done.stdout


def test_kubeconform_refuses_an_unknown_field_and_strimzis_removed_api(tmp_path: Path):
    worker = yaml.safe_load((DEPLOY / "k8s" / "worker.yaml").read_text())
    worker["spec"]["template"]["spec"]["containers"][0]["envFrm"] = []
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(worker))
    topic = next(yaml.safe_load_all((DEPLOY / "k8s" / "topics.yaml").read_text()))
    (tmp_path / "old-api.yaml").write_text(yaml.safe_dump({**topic, "apiVersion": "kafka.strimzi.io/v1beta2"}))
    done = validators.validate_manifests(tmp_path / "typo.yaml", tmp_path / "old-api.yaml")
    assert done.returncode == 1
    assert "envFrm" in done.stdout and "could not find schema for KafkaTopic" in done.stdout


def test_the_compose_file_passes_the_compose_specification_and_a_typo_does_not(tmp_path: Path):
    done = validators.validate_compose()
    assert done.returncode == 0, done.stdout + done.stderr
    broken = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    broken["services"]["worker"]["depend_on"] = ["kafka"]
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
    done = validators.validate_compose(tmp_path / "compose.yaml")
    assert done.returncode == 1 and "depend_on" in done.stdout
