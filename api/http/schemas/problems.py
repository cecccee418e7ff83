"""The one shape of every error answer: RFC 9457 ``application/problem+json``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:berkas:problem:"

# The kinds of problem, by their stable name: what a client may branch on.
TITLES: dict[str, str] = {
    "invalid-request": "The request breaks a rule",
    "unauthenticated": "A valid bearer token is required",
    "not-permitted": "Not allowed for this role or office",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "illegal-transition": "The case's status does not allow this command",
    "conflict": "The case has changed since you read it",
    "precondition-failed": "A precondition of the request does not hold (If-Match or If-None-Match)",
    "taken": "The number or application is already held by another case",
    "busy": "Already running",
    "ledger-not-ready": "The ledger has not sealed this case yet",
    "body-too-large": "The request body is too large",
    "unsupported-media-type": "Unsupported media type",
    "not-acceptable": "Not acceptable",
    "database-unavailable": "The database is unavailable; retry shortly",
    "not-configured": "Not available on this server",
    "internal": "Internal error",
    "erasure-refused": "The data subject may not be erased now",
    "subject-erased": "The data subject is erased: nothing more is held about them",
    "personal-data-unreadable": "Sealed personal data does not open with this server's keys",
    "log-altered": "A stored event of this case does not decode",
}


class FieldProblem(BaseModel):
    """One field that breaks one rule (the offending value is never echoed)."""

    location: Literal["body", "query", "path", "header"] | None = Field(
        None, description="Where the field was sent; absent for rules the domain checks on the whole command"
    )
    field: str = Field(description="The field's name; nested fields are joined by dots", examples=["applicant.nik"])
    detail: str = Field(description="The rule it breaks", examples=["must be 16 digits"])
    type: str = Field(description="A stable code for the rule", examples=["string_pattern_mismatch"])


class ProblemPublic(BaseModel):
    """Why a request was refused (RFC 9457). Never personal data, never a traceback."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:berkas:problem:conflict",
                    "title": TITLES["conflict"],
                    "status": 409,
                    "detail": "case 3f1f2b1e-8a9c-4b1e-9d2a-1c2b3d4e5f60 is at version 3, not 2",
                    "instance": "/passport-applications/3f1f2b1e-8a9c-4b1e-9d2a-1c2b3d4e5f60/approval",
                    "current_version": 3,
                },
                {
                    "type": "urn:berkas:problem:invalid-request",
                    "title": TITLES["invalid-request"],
                    "status": 422,
                    "detail": "1 field breaks a rule",
                    "instance": "/passport-applications",
                    "errors": [
                        {
                            "location": "body",
                            "field": "applicant.nik",
                            "detail": "must be 16 digits",
                            "type": "string_pattern_mismatch",
                        }
                    ],
                },
            ]
        }
    )

    type: str = Field(
        description=f"The kind of problem, `{TYPE_PREFIX}<name>`; names: " + ", ".join(f"`{n}`" for n in TITLES)
    )
    title: str = Field(description="A short summary of the kind of problem (the same for every occurrence)")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str = Field(description="What went wrong in this occurrence")
    instance: str = Field(description="The path of the request that failed")
    request_id: str | None = Field(None, description="The request's id (`X-Request-ID`), to quote in a support call")
    errors: list[FieldProblem] | None = Field(None, description="422: every field that breaks a rule")
    case_status: str | None = Field(None, description="409 illegal transition: the case's current status")
    current_version: int | None = Field(None, description="409 conflict: the case's current version (also the ETag)")
    rule: str | None = Field(None, description="409 taken: the uniqueness rule the command would break")
    held_by: str | None = Field(
        None,
        description="409 taken: the case that holds the number or application; "
        "left out when it is another office's (the detail then says so)",
    )

    def body(self) -> dict[str, Any]:
        """The answer's members; an absent one is left out, never sent as null (nested ones too)."""
        return self.model_dump(exclude_none=True)


def problem_type(name: str) -> str:
    return TYPE_PREFIX + name
