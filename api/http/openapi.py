"""The published contract: stable operation ids, problem+json errors on every operation,
and the docs pages served from an installed package (never a CDN: offices may be offline)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api.http.schemas.problems import MEDIA_TYPE, ProblemPublic

STATIC = "/docs/static"
_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemPublic"}
_ALWAYS = {
    "500": "The server failed (problem+json, no details)",
    "503": "The database is unavailable: retry after `Retry-After` seconds",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
}
_ETAG = {"description": 'The version answered, e.g. "3": send it back as `If-Match`', "schema": {"type": "string"}}
_LOCATION = {"description": "The path of what was created", "schema": {"type": "string"}}
_LINK = {
    "description": 'The next page, absolute: `<https://…?after=…>; rel="next"`; absent on the last page',
    "schema": {"type": "string"},
}
# The answers that carry a version (ETag), and the pages (Link), by their schema's name.
_VERSIONED = ("PassportApplicationPublic", "StayPermitPublic", "EnforcementCasePublic", "JointOperationPublic")
_VERSIONED += ("RevenueTargetPublic",)
_PAGES = ("CasesPublic", "DecisionsPublic")


def operation_id(route: APIRoute) -> str:
    """``<resource>_<function>``: stable while neither the path's first segment nor the
    function is renamed, and unique because each resource has one router."""
    resource = route.path_format.strip("/").split("/")[0].replace("-", "_")
    return route.name if route.name == resource else f"{resource}_{route.name}"


def _success_headers(operation: dict[str, Any]) -> None:
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        schema = str(response.get("content", {}).get("application/json", {}).get("schema", {}))
        headers = response.setdefault("headers", {})
        if any(f"/{name}'" in schema for name in _VERSIONED):
            headers["ETag"] = _ETAG
        if code in ("201", "202"):
            headers["Location"] = _LOCATION
        if any(f"/{name}'" in schema for name in _PAGES):
            headers["Link"] = _LINK
        if not headers:
            del response["headers"]


# What FastAPI documents a refusal with (its own validation error; ours): both become problem+json.
_REFUSALS = frozenset({"ProblemPublic", "HTTPValidationError"})


def _own_body(response: dict[str, Any]) -> bool:
    """An error answer a route documents with a body of its own (``/readyz``'s 503: its
    readiness, for load balancers), not a refusal: kept as documented."""
    refs = [media.get("schema", {}).get("$ref", "") for media in response.get("content", {}).values()]
    return any(ref and ref.rpartition("/")[2] not in _REFUSALS for ref in refs)


def _problems(operation: dict[str, Any], has_body: bool) -> None:
    responses = operation.setdefault("responses", {})
    always = {**_ALWAYS, "413": "The body is larger than the server accepts"} if has_body else _ALWAYS
    for code, text in always.items():
        responses.setdefault(code, {"description": text})
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400 and not _own_body(response):
            response["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF}}
            if code == "503":
                response["headers"] = _RETRY_AFTER


def schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with every error answer as the one problem+json shape."""
    if app.openapi_schema:
        return app.openapi_schema
    built = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    components = built.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["ProblemPublic"] = ProblemPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in components["ProblemPublic"].pop("$defs", {}).items():
        components.setdefault(name, definition)
    for operations in built.get("paths", {}).values():
        for operation in operations.values():
            _problems(operation, "requestBody" in operation)
            _success_headers(operation)
    app.openapi_schema = built
    return built


def serve_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc from the assets of the ``fastapi-offline`` package."""
    assets = resources.files("fastapi_offline") / "static"
    app.mount(STATIC, StaticFiles(directory=str(assets)), name="docs-static")
    title = f"{app.title} — API"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            redoc_js_url=f"{STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC}/favicon.png",
            with_google_fonts=False,
        )
