"""Load Kubernetes manifests into the ``kubernetes`` client's typed models, strictly.

The client's own ``ApiClient.deserialize`` drops fields it does not know; here an
unknown field (a typo such as ``readOnlyRootFileSystem``) fails, and so does a
value of the wrong type or a missing required field (the models check those).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from kubernetes import client

_LIST = re.compile(r"^[Ll]ist\[(.+)\]$")
_DICT = re.compile(r"^[Dd]ict[(\[]([^,]+), (.+)[)\]]$")
_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "object": (object,),
    "datetime": (str, datetime.datetime),
    "date": (str, datetime.date),
}
#: apiVersion/kind -> model class name.
KINDS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("apps/v1", "Deployment"): "V1Deployment",
}


def build(data: Any, type_name: str, where: str) -> Any:
    """``data`` (parsed YAML) as the client type ``type_name`` (``V1Pod``, ``list[V1Container]``, ``str``...)."""
    if data is None:
        return None
    if m := _LIST.match(type_name):
        assert isinstance(data, list), f"{where}: expected a list"
        return [build(item, m.group(1), f"{where}[{i}]") for i, item in enumerate(data)]
    if m := _DICT.match(type_name):
        assert isinstance(data, dict), f"{where}: expected a mapping"
        return {k: build(v, m.group(2), f"{where}.{k}") for k, v in data.items()}
    if type_name in _PRIMITIVES:
        ok = isinstance(data, _PRIMITIVES[type_name]) and not (type_name == "int" and isinstance(data, bool))
        assert ok, f"{where}: expected {type_name}, got {data!r}"
        return data
    klass = getattr(client.models, type_name)
    assert isinstance(data, dict), f"{where}: expected a {type_name} mapping"
    by_json = {json_key: attr for attr, json_key in klass.attribute_map.items()}
    unknown = sorted(set(data) - set(by_json))
    assert not unknown, f"{where}: unknown field(s) {unknown} for {type_name}"
    kwargs = {by_json[k]: build(v, klass.openapi_types[by_json[k]], f"{where}.{k}") for k, v in data.items()}
    return klass(**kwargs)  # the model's setters reject a missing required field or a bad enum value


def load(doc: dict[str, Any], source: str) -> Any:
    """One manifest document as its typed model."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    assert key in KINDS, f"{source}: no model for {key}"
    return build(doc, KINDS[key], f"{source}:{doc['kind']}")  # type: ignore[index]
