"""Refreshes the JSON schemas kubeconform validates deploy/k8s against, offline (kept here):

- Kubernetes' own kinds: from the ``kubernetes-validate`` wheel on PyPI (its ``vX.Y.Z-local-strict``
  schemas), pruned to the kinds deploy/k8s uses and the definitions they reference, descriptions
  removed (the full set is 1.5 MB in one file).
- Strimzi's kinds: the ``v1`` ``openAPIV3Schema`` of each CRD in Strimzi's installation files,
  made strict (no property the model does not know) as kubeconform's openapi2jsonschema does.

    python deploy/schemas/vendor.py WHEEL.whl STRIMZI_CHECKOUT
"""
from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).parent / "kubernetes"
KUBERNETES = "v1.35.0"
KINDS = ["deployment-apps-v1", "service-v1", "configmap-v1", "cronjob-batch-v1", "namespace-v1",
         "persistentvolumeclaim-v1", "role-rbac-v1", "rolebinding-rbac-v1", "serviceaccount-v1"]
STRIMZI = {"040-Crd-kafka.yaml": "kafka", "041-Crd-kafkaconnect.yaml": "kafkaconnect",
           "043-Crd-kafkatopic.yaml": "kafkatopic", "045-Crd-kafkanodepool.yaml": "kafkanodepool",
           "047-Crd-kafkaconnector.yaml": "kafkaconnector"}


def _without_descriptions(node):
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_without_descriptions(v) for v in node]
    return node


def _relative(node):
    """kubernetes-validate's refs are absolute (``/api/_definitions.json#/$defs/…``): made relative
    to the schema's folder, where kubeconform resolves them."""
    if isinstance(node, dict):
        return {k: (v.replace("/api/_definitions.json", "_definitions.json") if k == "$ref" else _relative(v))
                for k, v in node.items() if k != "$id"}
    if isinstance(node, list):
        return [_relative(v) for v in node]
    return node


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].split("#/$defs/")[1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def kubernetes(wheel: Path) -> None:
    folder = HERE / f"{KUBERNETES}-local-strict"
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"kubernetes_validate/kubernetes-json-schema/{KUBERNETES}-local-strict/"
    with zipfile.ZipFile(wheel) as archive:
        whole = json.loads(archive.read(prefix + "_definitions.json"))
        definitions = whole["$defs"]
        wanted: set[str] = set()
        for kind in KINDS:
            schema = json.loads(archive.read(prefix + f"{kind}.json"))
            (folder / f"{kind}.json").write_text(json.dumps(_relative(_without_descriptions(schema)), indent=1) + "\n")
            wanted |= _refs(schema)
    todo = list(wanted)
    while todo:
        for name in _refs(definitions[todo.pop()]) - wanted:
            wanted.add(name)
            todo.append(name)
    pruned = {"$schema": whole["$schema"],
              "$defs": {n: _relative(_without_descriptions(definitions[n])) for n in sorted(wanted)}}
    (folder / "_definitions.json").write_text(json.dumps(pruned, indent=1) + "\n")


def _strict(node):
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items() if k != "description"}
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        if node.get("x-kubernetes-int-or-string"):
            node.pop("type", None)
            node["oneOf"] = [{"type": "string"}, {"type": "integer"}]
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def strimzi(checkout: Path) -> None:
    folder = HERE / "kafka.strimzi.io"
    folder.mkdir(parents=True, exist_ok=True)
    for file, kind in STRIMZI.items():
        crd = yaml.safe_load((checkout / "packaging/install/cluster-operator" / file).read_text())
        version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
        schema = _strict(version["schema"]["openAPIV3Schema"])
        # apiVersion and kind, as kubeconform's openapi2jsonschema pins them
        schema.setdefault("properties", {})["apiVersion"] = {"type": "string", "enum": ["kafka.strimzi.io/v1"]}
        schema["properties"]["kind"] = {"type": "string", "enum": [crd["spec"]["names"]["kind"]]}
        schema["properties"].setdefault("metadata", {"type": "object"})
        (folder / f"{kind}_v1.json").write_text(json.dumps(schema, indent=1) + "\n")
    release = re.search(r"^## (\S+)", (checkout / "CHANGELOG.md").read_text(), re.M)
    (folder / "SOURCE").write_text(f"Strimzi {release.group(1) if release else '?'} CRDs, v1 API\n")


if __name__ == "__main__":
    kubernetes(Path(sys.argv[1]))
    strimzi(Path(sys.argv[2]))
