"""The validators deploy/ passes, run offline against schemas kept in the repository:
kubeconform (``-strict``) for the Kubernetes manifests (Kubernetes' kinds and Strimzi's v1 CRDs,
``deploy/schemas/kubernetes``), check-jsonschema with the Compose specification's schema for the
Compose file, promtool for the alert rules. Each tool is installed on first use where the
project keeps its tools (``.cache/``): kubeconform with ``go install``, check-jsonschema in a
virtual environment of its own (it needs a newer click than Faust accepts), promtool from
Debian's ``prometheus`` package."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.exceptions import MissingToolError
from infra.process import ensure_debian_packages
from infra.profile import CACHE, PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
KUBECONFORM = "github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0"
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"
KUBERNETES_VERSION = "1.35.0"
SCHEMAS = DEPLOY / "schemas" / "kubernetes"


def kubeconform() -> Path:
    """kubeconform's binary, built with Go on first use. Raises MissingToolError without Go."""
    binary = CACHE / "bin" / "kubeconform"
    if not binary.exists():
        go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
        if go is None:
            raise MissingToolError("kubeconform needs Go to be built (go install " + KUBECONFORM + ")")
        subprocess.run([go, "install", KUBECONFORM], check=True, capture_output=True,
                       env={**os.environ, "GOBIN": str(binary.parent)}, timeout=900)
    return binary


def check_jsonschema() -> Path:
    binary = CACHE / "tools" / "check-jsonschema" / "bin" / "check-jsonschema"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(binary.parent.parent)], check=True, timeout=300)
        subprocess.run([str(binary.parent / "pip"), "install", "-q", CHECK_JSONSCHEMA], check=True,
                       capture_output=True, timeout=900)
    return binary


def validate_manifests(*paths: Path) -> subprocess.CompletedProcess:
    """kubeconform -strict on the manifests (default: every file of deploy/k8s)."""
    files = [str(p) for p in paths] or sorted(str(p) for p in (DEPLOY / "k8s").glob("*.yaml"))
    return subprocess.run(
        [str(kubeconform()), "-strict", "-summary", "-kubernetes-version", KUBERNETES_VERSION, "-skip", "Kustomization",
         "-schema-location", f"{SCHEMAS}/{{{{.NormalizedKubernetesVersion}}}}-local-strict/"
                             "{{.ResourceKind}}{{.KindSuffix}}.json",
         "-schema-location", f"{SCHEMAS}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json", *files],
        capture_output=True, text=True, timeout=300)


def validate_compose(path: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(check_jsonschema()), "--builtin-schema", "vendor.compose-spec",
                           str(path or DEPLOY / "compose" / "compose.yaml")], capture_output=True, text=True, timeout=300)


def validate_alerts() -> list[subprocess.CompletedProcess]:
    ensure_debian_packages("prometheus", check="promtool")  # Debian's Prometheus ships promtool
    return [subprocess.run(["promtool", *command], cwd=DEPLOY / "prometheus", capture_output=True, text=True)
            for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"])]
