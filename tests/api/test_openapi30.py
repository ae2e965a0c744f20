"""The service description is OpenAPI 3.0.3 (OGC ``oas30``), converted from FastAPI's 3.1.

The served document is checked over HTTP with ``openapi-spec-validator``; the converter
(:mod:`api.openapi30`) is checked on small 3.1 fragments with their exact 3.0 output.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import httpx
import pytest
from fastapi import FastAPI, Query
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from pydantic import BaseModel, Field

from api.main import create_app
from api.openapi30 import to_openapi30
from api.routes.ogc import OPENAPI_JSON
from gazetteer.settings import Settings
from tests.conftest import empty_site

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


base = empty_site  # the document does not depend on data


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    """FastAPI's own OpenAPI 3.1 document of the app as the converter starts from it (with
    the app's error answers documented as JSON, which ``app.openapi()`` adds in place)."""
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    app.openapi()
    return FastAPI.openapi(app)


def _errors(doc: dict[str, Any]) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message}" for e in OpenAPIV30SpecValidator(doc).iter_errors()
    ]


# --- the served document -------------------------------------------------------------------


def test_served_document_is_valid_openapi_30(base: str) -> None:
    r = httpx.get(f"{base}/openapi.json", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == OPENAPI_JSON
    doc = r.json()
    assert doc["openapi"] == "3.0.3"
    assert _errors(doc) == []


def test_validator_rejects_the_31_document(source: dict[str, Any]) -> None:
    """The 3.0 validation above means something: FastAPI's 3.1 output does not pass it."""
    assert OpenAPIV31SpecValidator(source).is_valid()
    assert _errors({**source, "openapi": "3.0.3"})


def test_landing_page_service_desc_matches_what_is_served(base: str) -> None:
    landing = httpx.get(f"{base}/ogc", timeout=30).json()
    desc = next(x for x in landing["links"] if x["rel"] == "service-desc")
    r = httpx.get(desc["href"], timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == desc["type"] == OPENAPI_JSON
    assert r.json()["openapi"].startswith("3.0.")
    conforms = httpx.get(f"{base}/ogc/conformance", timeout=30).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conforms


def test_docs_pages_load_the_served_document(base: str) -> None:
    for path in ("/docs", "/redoc"):
        r = httpx.get(f"{base}{path}", timeout=30)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert "'/openapi.json'" in r.text or '"/openapi.json"' in r.text, path
    assert httpx.get(f"{base}/docs/oauth2-redirect", timeout=30).status_code == 200
    # the pages' helper routes are not part of the API description
    paths = httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]
    assert not {"/openapi.json", "/docs", "/redoc"} & set(paths)


def test_every_path_and_operation_survives(base: str, source: dict[str, Any]) -> None:
    served = httpx.get(f"{base}/openapi.json", timeout=30).json()

    def outline(doc: dict[str, Any]) -> dict[tuple[str, str], Any]:
        ops = {}
        for path, item in doc["paths"].items():
            for method in METHODS:
                if method in item:
                    op = item[method]
                    ops[(path, method)] = (
                        op.get("operationId"),
                        sorted((p["in"], p["name"]) for p in op.get("parameters", [])),
                        sorted(op.get("requestBody", {}).get("content", {})),
                        {code: sorted(r.get("content", {})) for code, r in op["responses"].items()},
                    )
        return ops

    want = outline(source)
    assert len(want) >= 60
    assert outline(served) == want
    assert set(served["components"]["schemas"]) == set(source["components"]["schemas"])


def test_app_openapi_is_the_30_document_and_cached() -> None:
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    doc = app.openapi()
    assert doc["openapi"] == "3.0.3"
    assert app.openapi() is doc  # converted once, not per request
    assert FastAPI.openapi(app)["openapi"] == "3.1.0"  # FastAPI's own document is untouched


# --- the converter on fragments ------------------------------------------------------------


def _doc(schema: Any, **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"S": schema, "T": {"type": "string"}}},
        **extra,
    }


def convert(schema: Any) -> Any:
    """The 3.0 form of one 3.1 schema (as ``components/schemas/S``)."""
    doc = to_openapi30(_doc(schema))
    assert _errors(doc) == []
    return doc["components"]["schemas"]["S"]


def test_nullable_ref_becomes_allof_with_nullable() -> None:
    schema = {"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}], "title": "State"}
    out = to_openapi30(_doc(schema))
    assert _errors(out) == []
    assert out["components"]["schemas"]["S"] == {
        "allOf": [{"$ref": "#/components/schemas/T"}],
        "title": "State",
        "nullable": True,
    }


def test_nullable_scalar_and_type_list() -> None:
    assert convert(
        {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "default": None}
    ) == {"type": "string", "maxLength": 5, "default": None, "nullable": True}
    assert convert({"type": ["object", "null"]}) == {"type": "object", "nullable": True}
    assert convert({"type": ["integer", "string"]}) == {
        "anyOf": [{"type": "integer"}, {"type": "string"}]
    }
    assert convert({"type": "null"}) == {"nullable": True, "enum": [None]}
    # several branches besides null: they stay a union
    assert convert({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}) == {
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "nullable": True,
    }
    # a nullable enum lists null (3.0.3: enum would exclude it otherwise)
    assert convert({"anyOf": [{"enum": ["a"], "type": "string"}, {"type": "null"}]}) == {
        "enum": ["a", None],
        "type": "string",
        "nullable": True,
    }


def test_const_becomes_single_enum() -> None:
    assert convert({"type": "string", "const": "Feature"}) == {
        "type": "string",
        "enum": ["Feature"],
    }
    # pydantic may write both
    assert convert({"type": "string", "const": "a", "enum": ["a"], "default": "a"}) == {
        "type": "string",
        "enum": ["a"],
        "default": "a",
    }


def test_examples_become_example() -> None:
    assert convert({"type": "string", "examples": ["威海", "weihai"], "title": "Q"}) == {
        "type": "string",
        "title": "Q",
        "example": "威海",
    }
    assert convert({"type": "string", "examples": ["x"], "example": "y"}) == {
        "type": "string",
        "example": "y",
    }


def test_exclusive_bounds() -> None:
    assert convert({"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 10}) == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 60,
        "default": 10,
    }
    assert convert({"type": "number", "exclusiveMaximum": 500.0, "exclusiveMinimum": 0.0}) == {
        "type": "number",
        "maximum": 500.0,
        "exclusiveMaximum": True,
        "minimum": 0.0,
        "exclusiveMinimum": True,
    }
    # the stricter of an inclusive and an exclusive bound wins
    assert convert({"type": "integer", "minimum": 5, "exclusiveMinimum": 0}) == {
        "type": "integer",
        "minimum": 5,
    }
    assert convert({"type": "integer", "maximum": 5, "exclusiveMaximum": 5}) == {
        "type": "integer",
        "maximum": 5,
        "exclusiveMaximum": True,
    }


def test_ref_with_siblings_file_content_and_tuples() -> None:
    assert convert(
        {"$ref": "#/components/schemas/T", "description": "kind", "default": "road"}
    ) == {"allOf": [{"$ref": "#/components/schemas/T"}], "description": "kind", "default": "road"}
    assert convert(
        {"type": "string", "contentMediaType": "application/octet-stream", "title": "File"}
    ) == {"type": "string", "title": "File", "format": "binary"}
    assert convert({"type": "string", "contentEncoding": "base64"}) == {
        "type": "string",
        "format": "byte",
    }
    pair = {
        "type": "array",
        "prefixItems": [{"type": "number"}, {"type": "number"}],
        "minItems": 2,
        "maxItems": 2,
    }
    assert convert(pair) == {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "items": {"type": "number"},
    }
    mixed = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    assert convert({**mixed, "items": False}) == {
        "type": "array",
        "maxItems": 2,
        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    }
    assert convert(mixed) == {"type": "array", "items": {}}  # further items of any kind


def test_defs_move_to_components_and_31_only_keys_go() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "x",
        "type": "object",
        "properties": {
            # property names that look like keywords are names, not keywords
            "const": {"$ref": "#/$defs/Inner"},
            "examples": {"type": "string", "patternProperties": {"^a": {}}},
            "type": {"type": "boolean"},
        },
        "unevaluatedProperties": False,
        "$defs": {"Inner": {"type": "object", "dependentRequired": {"a": ["b"]}}},
    }
    info: dict[str, Any] = {"title": "t", "version": "1", "summary": "s"}
    info["license"] = {"name": "MIT", "identifier": "MIT"}
    doc = to_openapi30(
        _doc(
            schema,
            jsonSchemaDialect="https://spec.openapis.org/oas/3.1/dialect/base",
            webhooks={"ping": {}},
        )
        | {"info": info}
    )
    assert _errors(doc) == []
    assert doc["components"]["schemas"] == {
        "S": {
            "type": "object",
            "properties": {
                "const": {"$ref": "#/components/schemas/Inner"},
                "examples": {"type": "string"},
                "type": {"type": "boolean"},
            },
        },
        "T": {"type": "string"},
        "Inner": {"type": "object"},
    }
    assert "jsonSchemaDialect" not in doc and "webhooks" not in doc
    assert doc["info"] == {"title": "t", "version": "1", "license": {"name": "MIT"}}


def test_input_is_not_changed(source: dict[str, Any]) -> None:
    before = copy.deepcopy(source)
    out = to_openapi30(source)
    assert source == before
    out["paths"]["/ogc"]["get"]["parameters"] = "changed"
    out["components"]["schemas"]["LinkPublic"]["properties"].clear()
    assert source == before


def test_rejects_a_document_that_is_not_31() -> None:
    with pytest.raises(ValueError, match=r"not an OpenAPI 3\.1 document"):
        to_openapi30({**_doc({}), "openapi": "3.0.3"})


# Models for the last test: the constructs pydantic v2 writes in 3.1 beyond this app's own.
class Point(BaseModel):
    kind: Literal["point"] = "point"
    xy: tuple[float, float]
    label: str | None = Field(None, examples=["x"])
    ratio: float = Field(0.5, gt=0, lt=1)


class Wrap(BaseModel):
    point: Point | None = None
    points: list[Point] = []
    tags: dict[str, int | None] = {}


def test_pydantic_models_of_every_kind_convert_to_valid_30() -> None:
    app = FastAPI()

    @app.post("/points")
    def post_point(
        p: Point,
        tag: Annotated[Literal["a"], Query()] = "a",
        ids: Annotated[list[int] | None, Query()] = None,
    ) -> Wrap:
        raise NotImplementedError

    doc = to_openapi30(app.openapi())
    assert _errors(doc) == []
    schemas = doc["components"]["schemas"]
    assert schemas["Point"]["properties"]["xy"] == {
        "type": "array",
        "maxItems": 2,
        "minItems": 2,
        "title": "Xy",
        "items": {"type": "number"},
    }
    assert schemas["Wrap"]["properties"]["point"] == {
        "allOf": [{"$ref": "#/components/schemas/Point"}],
        "nullable": True,
    }
    assert schemas["Wrap"]["properties"]["tags"]["additionalProperties"] == {
        "type": "integer",
        "nullable": True,
    }
    params = {p["name"]: p["schema"] for p in doc["paths"]["/points"]["post"]["parameters"]}
    assert params["tag"] == {"type": "string", "enum": ["a"], "default": "a", "title": "Tag"}
    assert params["ids"] == {
        "type": "array",
        "items": {"type": "integer"},
        "title": "Ids",
        "nullable": True,
    }
