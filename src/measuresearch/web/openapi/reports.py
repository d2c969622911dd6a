"""The OpenAPI paths of the report and proposal endpoints (merged into openapi.document).

The field patterns are submissions.PATTERNS, the ones the server checks with, and the
economy, pillar and sub-pillar choices come from the taxonomy, so that a body the schema
allows is a body the server stores, and the other way round.
"""

from measuresearch.curation import submissions
from measuresearch.domain import fields as registry
from measuresearch.domain import taxonomy
from measuresearch.web.openapi.parts import MEASURE_ID, RETRY_AFTER, error


def _created(name, required, properties):
    return {"description": "stored", "content": {"application/json": {"schema": {
        "type": "object", "required": [name], "properties": {name: {
            "type": "object", "required": required, "properties": properties}}}}}}


def _body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _text(name, nullable=False, description=None):
    schema = {"type": ["string", "null"] if nullable else "string", "maxLength": submissions.TEXT_LIMITS[name],
              "pattern": submissions.PATTERNS[name]}
    return {**schema, "description": description} if description else schema


def _lines(name, description):
    most_lines, most_chars = submissions.LIST_LIMITS[name]
    return {"type": "array", "minItems": 1, "maxItems": most_lines, "description": description,
            "items": {"type": "string", "maxLength": most_chars, "pattern": submissions.PATTERNS[name]}}


_WRITE_ERRORS = {
    "400": error("a bad field; `parameter` names the first one"),
    "413": error("body over 64 KB"),
    "415": error("the body is not application/json"),
    "429": error("over MEASURESEARCH_REPORT_LIMIT reports and proposals an hour from this client",
                 headers=RETRY_AFTER),
    "503": error("the reports database cannot be opened"),
}
_EMAIL = ("optional; for a curator's question (the server never sends mail). Blank is the same as absent.")


def _asked(name, names):
    """Return the schema of one field of the proposal form (domain/fields.py)."""
    field = registry.BY_NAME[name]
    if field.taxonomy:
        choices = {"enum": list(names.economy_names)} if name == "country" else {}
        return {"type": "string", **choices, "description": field.form.description}
    if name in submissions.LIST_LIMITS:
        return _lines(name, field.form.description)
    return _text(name, nullable=field.nullable, description=field.form.description)


def _proposal(names):
    pairs = [{"properties": {"pillar": {"const": pillar}, "sub_pillar": {"enum": list(subs)}}}
             for pillar, subs in names.pillars.items() if subs]
    return {"type": "object", "additionalProperties": False, "required": list(submissions.REQUIRED),
            "properties": {**{name: _asked(name, names) for name in registry.FORM},
                           "email": _text("email", nullable=True, description=_EMAIL)},
            "oneOf": pairs}


def paths(names=None):
    """Return the path items of POST /api/measures/{id}/reports and POST /api/proposals."""
    names = names or taxonomy.load()
    report = {"type": "object", "required": ["message"], "additionalProperties": False, "properties": {
        "message": _text("message", description=f"{submissions.MESSAGE_MIN} to {submissions.MESSAGE_MAX} "
                                                "characters without the surrounding spaces"),
        "email": _text("email", nullable=True, description=_EMAIL)}}
    stamp = {"id": {"type": "integer"}, "status": {"type": "string", "enum": ["open"]},
             "created_at": {"type": "string", "format": "date-time"}}
    return {
        "/api/measures/{measure_id}/reports": {"post": {
            "operationId": "reportMeasure", "parameters": [MEASURE_ID], "requestBody": _body(report),
            "responses": {"201": _created("report", ["id", "measure_id", "status", "created_at"],
                                          {**stamp, "measure_id": {"type": "string"}}),
                          "404": error("unknown measure"), **_WRITE_ERRORS}}},
        "/api/proposals": {"post": {
            "operationId": "proposeMeasure", "requestBody": _body(_proposal(names)),
            "responses": {"201": _created("proposal", ["id", "status", "created_at"], stamp), **_WRITE_ERRORS}}},
    }
