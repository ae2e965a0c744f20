"""OpenAPI 3.1 → 3.0.3: the service description the OGC ``oas30`` conformance class promises.

FastAPI (with pydantic v2) writes OpenAPI 3.1.0, whose Schema Objects are JSON Schema
2020-12. OGC API – Features Part 1 declares its OpenAPI conformance class for 3.0, and
clients such as GDAL's OAPIF driver and older code generators read 3.0, so the app serves
the document converted by :func:`to_openapi30` (a pure function; the input is not changed).

What changes (everything FastAPI and pydantic emit, plus the rest of 2020-12 that has a
3.0 counterpart):

- ``openapi`` becomes ``3.0.3``; ``jsonSchemaDialect``, ``webhooks``, ``info.summary``,
  ``license.identifier`` and ``components.pathItems`` (after inlining references to it) go;
- ``anyOf``/``oneOf`` with a ``{"type": "null"}`` branch: the other branch plus
  ``nullable: true`` (a ``$ref`` branch as ``allOf: [ref]``, since 3.0 ignores siblings of
  ``$ref``); ``type: [..., "null"]`` likewise; ``{"type": "null"}`` alone becomes
  ``nullable: true, enum: [null]``;
- ``const`` → a one-value ``enum``; schema ``examples`` (a list) → ``example`` (the first);
- numeric ``exclusiveMinimum``/``exclusiveMaximum`` → ``minimum``/``maximum`` plus the
  boolean flag (the stricter bound wins when both are given);
- ``contentEncoding: base64`` → ``format: byte``, ``contentMediaType`` (uploads) →
  ``format: binary``;
- ``prefixItems`` (tuples) → ``items`` (one schema, or ``anyOf`` of the positions) with
  the length bounds kept;
- ``$ref`` with sibling keywords → ``allOf: [ref]`` plus the siblings; ``$defs`` are moved
  to ``components/schemas`` and references to them rewritten;
- boolean schemas → ``{}`` / ``{"not": {}}``; keywords without a 3.0 counterpart
  (``$schema``, ``$id``, ``$comment``, ``patternProperties``, ``if``/``then``/``else``,
  ``dependentRequired``, ``unevaluatedProperties``, ``contains``, …) are dropped, so 3.0
  clients see a looser but never a wrong schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

OPENAPI_VERSION = "3.0.3"

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Schema Object fields of OpenAPI 3.0.3 (besides ``$ref`` and ``x-`` extensions).
_SCHEMA_KEYS = frozenset(
    {
        "title",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "enum",
        "type",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "items",
        "properties",
        "additionalProperties",
        "description",
        "format",
        "default",
        "nullable",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "example",
        "deprecated",
    }
)
_TYPES = frozenset({"array", "boolean", "integer", "number", "object", "string"})
# Keys of a schema that only describe it; they may sit next to the branch they annotate.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "example", "deprecated", "readOnly", "writeOnly"}
)
_DEFS_MARK = "/$defs/"
_SCHEMAS_PREFIX = "#/components/schemas/"


def to_openapi30(document: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.0.3 form of an OpenAPI 3.1 ``document`` (which is left unchanged).

    Raises ``ValueError`` for a document that is not OpenAPI 3.1, or whose ``$defs`` hold
    two different schemas under one name (they could not share ``components/schemas``).
    """
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1."):
        raise ValueError(f"not an OpenAPI 3.1 document: openapi={version!r}")
    return _Converter(copy.deepcopy(dict(document))).run()


def _is_ref(obj: Any) -> bool:
    return isinstance(obj, dict) and "$ref" in obj


def _is_null_schema(schema: Any) -> bool:
    """``{"type": "null"}`` (possibly with annotations): the null branch of an ``anyOf``."""
    return (
        isinstance(schema, dict)
        and schema.get("type") == "null"
        and set(schema) - {"type"} <= _ANNOTATIONS
    )


def _rewrite_ref(ref: str) -> str:
    """References into ``$defs`` point at ``components/schemas`` once the defs move there."""
    if _DEFS_MARK in ref and ref.startswith("#"):
        return _SCHEMAS_PREFIX + ref.rsplit(_DEFS_MARK, 1)[1]
    return ref


def _exclusive_bound(schema: dict[str, Any], key: str, bound: str, stricter: int) -> None:
    """A numeric 2020-12 ``exclusiveMinimum``/``exclusiveMaximum`` as 3.0's bound + flag.

    ``stricter`` is +1 for lower bounds (a larger value is stricter) and -1 for upper ones.
    """
    value = schema.pop(key, None)
    if value is None:
        return
    if isinstance(value, bool):  # already the 3.0 (draft 4) form
        if value:
            schema[key] = True
        return
    other = schema.get(bound)
    if other is None or (value - other) * stricter >= 0:
        schema[bound] = value
        schema[key] = True


def _merge_branch(branch: dict[str, Any], outer: dict[str, Any]) -> dict[str, Any]:
    """The single non-null branch of an ``anyOf`` merged with the keys beside the ``anyOf``."""
    if _is_ref(branch):
        branch = {"allOf": [branch]}
    clash = (set(branch) & set(outer)) - _ANNOTATIONS
    if clash:  # both constrain the same keyword: keep them apart
        return {**outer, "anyOf": [branch]}
    return {**branch, **outer}


class _Converter:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.hoisted: dict[str, Any] = {}  # $defs found anywhere, for components/schemas
        components = doc.get("components")
        self.path_items: dict[str, Any] = (
            (components.pop("pathItems", None) or {}) if isinstance(components, dict) else {}
        )

    # --- the document ----------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        doc = self.doc
        doc["openapi"] = OPENAPI_VERSION
        doc.pop("jsonSchemaDialect", None)
        doc.pop("webhooks", None)
        info = doc.get("info")
        if isinstance(info, dict):
            info.pop("summary", None)
            license_ = info.get("license")
            if isinstance(license_, dict):
                license_.pop("identifier", None)
        doc["paths"] = {
            path: self.path_item(item) for path, item in (doc.get("paths") or {}).items()
        }
        components = doc.get("components")
        if isinstance(components, dict):
            self.components(components)
        if self.hoisted:
            schemas = self.doc.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in self.hoisted.items():
                if name in schemas and schemas[name] != schema:
                    raise ValueError(f"$defs/{name} differs from components/schemas/{name}")
                schemas[name] = schema
        return doc

    def components(self, components: dict[str, Any]) -> None:
        if "schemas" in components:
            components["schemas"] = {
                name: self.schema(s) for name, s in components["schemas"].items()
            }
        for key, convert in (
            ("responses", self.response),
            ("parameters", self.parameter),
            ("requestBodies", self.request_body),
            ("headers", self.header),
        ):
            if key in components:
                components[key] = {name: convert(obj) for name, obj in components[key].items()}
        if "callbacks" in components:
            components["callbacks"] = {
                name: self.callback(cb) for name, cb in components["callbacks"].items()
            }

    def path_item(self, item: dict[str, Any]) -> dict[str, Any]:
        ref = item.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/pathItems/"):
            # 3.0 has no components/pathItems: inline the referenced item
            target = self.path_items[ref.rsplit("/", 1)[1]]
            item = {**copy.deepcopy(target), **{k: v for k, v in item.items() if k != "$ref"}}
        out = dict(item)
        for method in _METHODS:
            if method in out:
                out[method] = self.operation(out[method])
        if "parameters" in out:
            out["parameters"] = [self.parameter(p) for p in out["parameters"]]
        return out

    def callback(self, cb: dict[str, Any]) -> dict[str, Any]:
        if _is_ref(cb):
            return {"$ref": cb["$ref"]}
        return {expr: self.path_item(item) for expr, item in cb.items()}

    def operation(self, op: dict[str, Any]) -> dict[str, Any]:
        out = dict(op)
        if "parameters" in out:
            out["parameters"] = [self.parameter(p) for p in out["parameters"]]
        if "requestBody" in out:
            out["requestBody"] = self.request_body(out["requestBody"])
        if "responses" in out:
            out["responses"] = {code: self.response(r) for code, r in out["responses"].items()}
        if "callbacks" in out:
            out["callbacks"] = {name: self.callback(cb) for name, cb in out["callbacks"].items()}
        return out

    def parameter(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.header(p)  # same schema/content fields

    def header(self, h: dict[str, Any]) -> dict[str, Any]:
        return self._converted(h, {"schema": self.schema, "content": self.content})

    def request_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._converted(body, {"content": self.content})

    def response(self, r: dict[str, Any]) -> dict[str, Any]:
        return self._converted(r, {"content": self.content, "headers": self.headers})

    def headers(self, headers: dict[str, Any]) -> dict[str, Any]:
        return {name: self.header(h) for name, h in headers.items()}

    def _converted(
        self, obj: dict[str, Any], fields: Mapping[str, Callable[[Any], Any]]
    ) -> dict[str, Any]:
        """``obj`` with each of ``fields`` present converted; a reference stays bare (3.1
        allows summary/description beside ``$ref``; 3.0 does not)."""
        if _is_ref(obj):
            return {"$ref": obj["$ref"]}
        out = dict(obj)
        for name, convert in fields.items():
            if name in out:
                out[name] = convert(out[name])
        return out

    def content(self, content: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for media_type, m in content.items():
            m = dict(m)
            if "schema" in m:
                m["schema"] = self.schema(m["schema"])
            if "encoding" in m:
                m["encoding"] = {
                    name: {
                        **enc,
                        **({"headers": self.headers(enc["headers"])} if "headers" in enc else {}),
                    }
                    for name, enc in m["encoding"].items()
                }
            out[media_type] = m
        return out

    # --- schemas ---------------------------------------------------------------------

    def schema(self, schema: Any) -> dict[str, Any]:
        """One Schema Object (JSON Schema 2020-12) as an OpenAPI 3.0 Schema Object."""
        if schema is True:
            return {}
        if schema is False:
            return {"not": {}}
        if not isinstance(schema, dict):
            raise ValueError(f"not a schema: {schema!r}")
        s = dict(schema)
        self._hoist(s)
        if "$ref" in s:
            ref = {"$ref": _rewrite_ref(str(s.pop("$ref")))}
            rest = self.schema(s) if s else {}
            if not rest:
                return ref
            return {"allOf": [ref, *rest.pop("allOf", [])], **rest}
        for key in ("anyOf", "oneOf"):
            if key in s:
                without_null = self._nullable_union(s, key)
                if without_null is not None:
                    return self.schema(without_null)
        self._subschemas(s)
        self._keywords(s)
        return {k: v for k, v in s.items() if k in _SCHEMA_KEYS or k.startswith("x-")}

    def _hoist(self, s: dict[str, Any]) -> None:
        """Move ``$defs``/``definitions`` to the document's component schemas."""
        for key in ("$defs", "definitions"):
            for name, sub in (s.pop(key, None) or {}).items():
                converted = self.schema(sub)
                if name in self.hoisted and self.hoisted[name] != converted:
                    raise ValueError(f"two different schemas named {name!r} in $defs")
                self.hoisted[name] = converted

    def _subschemas(self, s: dict[str, Any]) -> None:
        """Convert every schema nested in ``s`` (combinations, properties, items)."""
        for key in ("anyOf", "oneOf", "allOf"):
            if key in s:
                s[key] = [self.schema(x) for x in s[key]]
        if "not" in s:
            s["not"] = self.schema(s["not"])
        if "properties" in s:
            s["properties"] = {name: self.schema(x) for name, x in s["properties"].items()}
        if isinstance(s.get("additionalProperties"), dict):
            s["additionalProperties"] = self.schema(s["additionalProperties"])
        self._tuple(s)
        if "items" in s:
            s["items"] = self.schema(s["items"])
        if isinstance(s.get("discriminator"), dict) and "mapping" in s["discriminator"]:
            mapping = s["discriminator"]["mapping"]
            s["discriminator"] = {
                **s["discriminator"],
                "mapping": {k: _rewrite_ref(str(v)) for k, v in mapping.items()},
            }

    def _keywords(self, s: dict[str, Any]) -> None:
        """The 2020-12 keywords 3.0 spells otherwise (const, examples, exclusive bounds,
        content, type lists and null)."""
        if "const" in s:
            value = s.pop("const")
            s["enum"] = [value]
            if value is None:
                s["nullable"] = True
        examples = s.pop("examples", None)
        if isinstance(examples, list) and examples and "example" not in s:
            s["example"] = examples[0]
        _exclusive_bound(s, "exclusiveMinimum", "minimum", +1)
        _exclusive_bound(s, "exclusiveMaximum", "maximum", -1)
        self._content(s)
        self._types(s)
        if s.get("type") == "array" and "items" not in s:
            s["items"] = {}  # required beside type: array in 3.0
        if s.get("required") == []:
            del s["required"]
        if s.get("nullable") is True and "enum" in s and None not in s["enum"]:
            s["enum"] = [*s["enum"], None]  # 3.0.3: other keywords may still exclude null

    @staticmethod
    def _nullable_union(s: dict[str, Any], key: str) -> dict[str, Any] | None:
        """``s`` without the null branch of its ``anyOf``/``oneOf`` and ``nullable`` instead
        (still to be converted); ``None`` if there is no null branch."""
        branches = s[key]
        rest = [b for b in branches if not _is_null_schema(b)]
        if len(rest) == len(branches):
            return None
        outer = {k: v for k, v in s.items() if k != key}
        outer["nullable"] = True
        if not rest:
            return {**outer, "type": "null"}
        if len(rest) == 1:
            return _merge_branch(rest[0], outer)
        return {**outer, key: rest}

    @staticmethod
    def _types(s: dict[str, Any]) -> None:
        """``type`` lists and the ``null`` type, which 3.0 spells ``nullable``."""
        if "type" not in s:
            return
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if "null" in types:
            s["nullable"] = True
        rest = [t for t in types if t != "null"]
        if len(rest) == 1:
            s["type"] = rest[0]
        elif not rest:
            del s["type"]
            s["enum"] = [None]
        else:
            del s["type"]
            alternatives = [{"type": t} for t in rest if t in _TYPES]
            if "anyOf" in s:
                s["allOf"] = [*s.get("allOf", []), {"anyOf": s.pop("anyOf")}]
            s["anyOf"] = alternatives
        if s.get("type") not in _TYPES:
            s.pop("type", None)

    @staticmethod
    def _content(s: dict[str, Any]) -> None:
        """``contentEncoding``/``contentMediaType`` (file contents) as 3.0 formats."""
        encoding = s.pop("contentEncoding", None)
        media_type = s.pop("contentMediaType", None)
        s.pop("contentSchema", None)
        if "format" in s:
            return
        if encoding == "base64":
            s["format"] = "byte"
        elif media_type is not None or encoding is not None:
            s["format"] = "binary"

    @staticmethod
    def _tuple(s: dict[str, Any]) -> None:
        """``prefixItems`` (or draft-7 ``items: [...]``) as one ``items`` schema + bounds."""
        if "prefixItems" in s:
            positions = s.pop("prefixItems")
            after = s.pop("items", None)
        elif isinstance(s.get("items"), list):
            positions = s.pop("items")
            after = s.pop("additionalItems", None)
        else:
            return
        n = len(positions)
        if after is False:
            s["maxItems"] = min(s.get("maxItems", n), n)
            after = None
        elif after is None and s.get("maxItems", n + 1) > n:
            after = {}  # 2020-12: further items of any kind
        alternatives: list[Any] = []
        for x in [*positions, *([] if after is None else [after])]:
            x = {} if x is True else x
            if x not in alternatives:
                alternatives.append(x)
        if {} in alternatives or not alternatives:
            s["items"] = {}
        elif len(alternatives) == 1:
            s["items"] = alternatives[0]
        else:
            s["items"] = {"anyOf": alternatives}
