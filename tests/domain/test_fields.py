"""The field registry (domain/fields.py): every record field declared once, and the modules that read it."""

import csv
import dataclasses
import io

import pytest

from measuresearch.curation import submissions
from measuresearch.domain import fields, model, taxonomy
from measuresearch.errors import InvalidParameter
from measuresearch.index.build import fingerprints
from measuresearch.web.openapi import reports as reports_openapi
from measuresearch.web.views import pages


def test_the_registry_declares_every_field_of_the_record_in_its_order():
    declared = [f.name for f in fields.FIELDS if f.name != "source_url"]  # source_url: no longer a record field
    assert declared == [f.name for f in dataclasses.fields(model.Measure)]


def test_the_api_counts_and_filters_exactly_the_declared_facets(client):
    body = client.simulate_get("/api/search").json
    assert list(body["facets"]) == [*fields.FACETS, "group"]
    for name in (name for name in fields.STRING_FACETS if body["facets"][name]):  # a facet the corpus holds
        value = body["facets"][name][0]["value"]
        filtered = client.simulate_get("/api/search", params={name: value}).json
        assert filtered["total"] == body["facets"][name][0]["count"]


@pytest.mark.parametrize("name", [f.name for f in fields.FIELDS])
def test_a_change_counts_in_the_history_exactly_for_the_fingerprint_fields(real_measures, name):
    record = real_measures[0].to_dict(complete=True)
    changed = {**record, name: ["something else"]}
    assert (fingerprints.fingerprint(changed) != fingerprints.fingerprint(record)) == (
        name in fields.names("fingerprint") or name in model.ENTRY_KEYS)


def test_each_searchable_section_has_its_own_letter_and_a_record_field():
    letters = [letter for letter, _, _ in fields.SECTIONS]
    assert len(set(letters)) == len(letters)
    assert {name for _, name, _ in fields.SECTIONS} <= set(model.FIELDS)


def _csv_rows(client):
    text = client.simulate_get("/api/search.csv", params={"sort": "oldest"}).text
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_exports_show_each_exported_field_in_its_declared_place(client, real_measures):
    header = client.simulate_get("/api/search.csv").text.lstrip("\ufeff").splitlines()[0].split(",")
    declared = [name for name in fields.CSV if name in header]
    assert declared == sorted(declared, key=lambda name: fields.BY_NAME[name].export.csv)
    assert set(fields.CSV) - set(header) == {"source", "edited"}  # spread over source_kind, ..., edited_by, ...
    measures = client.simulate_get("/api/search.json", params={"sort": "oldest"}).json["measures"]
    assert [key for key in measures[0] if key != "url"] == list(fields.EXPORTED)
    # the two exports say the same of each measure, and what the corpus says
    by_id = {m.id: m for m in real_measures}
    for row, measure in zip(_csv_rows(client), measures, strict=True):
        assert row["id"] == measure["id"]
        record = by_id[row["id"]].to_dict(complete=True)
        for name in ("country", "pillar", "sub_pillar", "coverage", "description", "kind", "status"):
            assert row[name].lstrip("'") == (measure[name] or "") == (record[name] or "")


def test_an_accepted_edit_is_in_both_exports(tmp_path, real_measures):
    # API.md: `edited` is in /api/measures/{id} and the exports (the CSV spreads it over edited_by, _on, _url)
    import falcon.testing
    from measuresearch.index.build import indexer
    from measuresearch.web.app import app_for_index
    edit = {"by": "proposal 7", "on": "2026-12-01", "url": "https://example.org/test-only-edit",
            "replaced": "0" * 40}
    target = dataclasses.replace(real_measures[0], edited=edit)
    indexer.build(None, tmp_path / "index", measures=[target, *real_measures[1:]])
    app, holder = app_for_index(tmp_path / "index")
    try:
        client = falcon.testing.TestClient(app)
        whole = client.simulate_get(f"/api/measures/{target.id}").json["edited"]
        exported = {m["id"]: m for m in client.simulate_get("/api/search.json").json["measures"]}
        rows = {row["id"]: row for row in _csv_rows(client)}
    finally:
        holder.close()
    assert whole == exported[target.id]["edited"] == edit
    assert [exported[m.id]["edited"] for m in real_measures[1:]] == [None] * (len(real_measures) - 1)
    assert (rows[target.id]["edited_by"], rows[target.id]["edited_on"], rows[target.id]["edited_url"]) == (
        "proposal 7", "2026-12-01", "https://example.org/test-only-edit")
    assert {rows[m.id]["edited_by"] for m in real_measures[1:]} == {""}


def test_a_hit_carries_the_declared_fields_and_the_schema_describes_them(client):
    hit = client.simulate_get("/api/search", params={"q": "data"}).json["hits"][0]
    schema = client.simulate_get("/openapi.json").json["paths"]["/api/search"]["get"]["responses"]["200"]
    hit_schema = schema["content"]["application/json"]["schema"]["properties"]["hits"]["items"]
    record_keys = [key for key in hit if key not in ("url", "score", "highlights", "matched")]
    assert record_keys == list(fields.HIT)
    assert list(hit_schema["properties"]) == ["id", "url", "score", *fields.HIT[1:], "highlights", "matched"]
    assert set(hit_schema["required"]) <= set(hit)
    for name in fields.HIT:
        nullable = "null" in hit_schema["properties"][name]["type"]
        assert nullable == fields.BY_NAME[name].nullable


@pytest.mark.parametrize("name", fields.FORM)
def test_each_form_field_is_checked_at_its_declared_limit_and_published(name, real_measures):
    measure = real_measures[0]
    good = {"country": measure.country, "pillar": measure.pillar, "sub_pillar": measure.sub_pillar,
            "titles": ["A title"], "dates": ["Since 2019"], "description": "x" * 30, "coverage": "Horizontal",
            "source_url": "https://example.org/law"}
    good |= {other: "One line" for other in fields.FORM if other not in good}  # a field declared later: a line
    names = taxonomy.load()
    submissions.check_proposal(good, names)  # accepted as it is
    limit = fields.BY_NAME[name].limit
    too_long = [good[name][0] + "y" * limit[1]] if isinstance(limit, tuple) else good[name] + "y" * limit
    with pytest.raises(InvalidParameter) as refused:
        submissions.check_proposal({**good, name: too_long}, names)
    assert refused.value.parameter == name
    published = reports_openapi.paths(names)["/api/proposals"]["post"]["requestBody"]["content"]
    schema = published["application/json"]["schema"]["properties"][name]
    assert (schema["items"]["maxLength"] if isinstance(limit, tuple) else schema.get("maxLength", limit)) == (
        limit[1] if isinstance(limit, tuple) else limit)
    assert (name in published["application/json"]["schema"]["required"]) == fields.BY_NAME[name].form.required


@pytest.mark.parametrize("name", [f.name for f in fields.FIELDS if f.value in ("text", "prose", "lines")
                                  and f.name in model.FIELDS])
def test_the_record_check_refuses_a_value_that_is_not_text_in_each_text_field(name, real_measures):
    record = real_measures[0].to_dict()
    assert not model.validate(record)
    assert name in [key for key, _ in model.validate({**record, name: 42})]


def test_the_why_line_names_every_field_a_hit_can_be_matched_in(client):
    assert set(fields.EXPLAINED) == {name for _, name, _ in fields.SECTIONS} == set(pages.FIELD_LABELS)
    matched = client.simulate_get("/api/search", params={"q": "kazakhstan data"}).json["hits"][0]["matched"]
    assert matched and {m["field"] for m in matched} <= set(fields.EXPLAINED)
    named = [m["field"] for m in matched if m["word"] == matched[0]["word"]]
    assert named == sorted(named, key=fields.EXPLAINED.index)
