"""The field registry (domain/fields.py): every record field declared once, and the modules that read it."""

import dataclasses

import pytest

from measuresearch.domain import fields, model
from measuresearch.index.build import fingerprints


def test_the_registry_declares_every_field_of_the_record_in_its_order():
    declared = [f.name for f in fields.FIELDS if f.name != "source_url"]  # source_url: no longer a record field
    assert declared == [f.name for f in dataclasses.fields(model.Measure)]


def test_the_api_counts_and_filters_exactly_the_declared_facets(client):
    body = client.simulate_get("/api/search").json
    assert list(body["facets"]) == [*fields.FACETS, "group"]
    for name in fields.STRING_FACETS:
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
