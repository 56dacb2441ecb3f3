"""schemathesis against the API's own OpenAPI schema, on the real server (127.0.0.1): generated requests to every
operation, signed in with an API token of a person holding every role, and some without one; none may get a
server error (5xx), and every answer must match the schema's status codes and the one error shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from web_server import TOKEN, start_site

from briefing.archive.ledger import Ledger
from briefing.store.db import Store


@pytest.fixture(scope="module")
def live(tmp_path_factory, sample_db: Path):
    folder = tmp_path_factory.mktemp("schema")
    db = folder / "briefing.db"
    shutil.copy(sample_db, db)
    made, finish = start_site(folder, db, "兴安盟", "2024-01-08", token_roles=("admin",))
    yield made
    finish()


@pytest.fixture(scope="module")
def api_schema(live):
    import requests

    made = requests.post(live.url + "/api/reports", headers={"Authorization": f"Bearer {TOKEN}"},
                         json={"template": "weekly", "period": "2024-W02"}, timeout=120)
    assert made.status_code == 201, made.text
    with Store(live.db) as store:
        assert Ledger(store).get(1) is not None
    return schemathesis.openapi.from_url(live.url + "/api/openapi.json")


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def _no_server_error(response, case) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"type", "message", "hint", "problems"} <= set(body["error"]), body


def fuzz(operation, examples: int, check) -> None:
    """Hypothesis runs the operation's generated cases (schemathesis' strategy, without its pytest plugin, which
    does not follow pytest 9)."""
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case):
        check(case)
    run()


def test_no_operation_gives_a_server_error(api_schema):
    def check(case):
        _no_server_error(case.call(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120), case)
    found = operations(api_schema)
    assert len(found) >= 15
    for operation in found:
        fuzz(operation, 25, check)


def test_without_a_token_every_operation_says_sign_in(api_schema):
    def check(case):
        response = case.call(timeout=60)
        _no_server_error(response, case)
        assert response.status_code in (400, 401, 404, 405, 422), (case.formatted_path, response.status_code,
                                                                  response.request.url, response.request.method)
    for operation in operations(api_schema):
        fuzz(operation, 5, check)
