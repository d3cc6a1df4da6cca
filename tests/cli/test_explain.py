"""`packgate explain` says what the gateway does: the same request, run through both, agrees.

Each test sends one request to the real gateway (real OPA, the stand-in model recording what it
received) and gives the same headers and body to `packgate explain`; the explanation's answer,
violations and model request must be what the gateway answered and forwarded.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson

from packgate.runtime.demo.standin import Reply
from tests.harness import PACKS_DIR, SEED_PACK, GatewayServer, run_cli

SEED_ROUTE = "/routes/behavioral-health-review-route/v1/chat/completions"
DELIVER_ROUTE = "/routes/gw-deliver/v1/chat/completions"
NOTE = "Summarise: Jane Doe (DOB 03/04/1951, MRN 448812) reports low mood since her husband Tom died."


def _explain(pack: Any, headers: dict[str, str], body: dict[str, Any], *extra: str) -> dict[str, Any]:
    args = ["explain", "--pack", str(pack), "--json", *extra]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    result = run_cli(*args, input=orjson.dumps(body).decode())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _body(text: str, model: str = "llama3.1:70b") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


def test_an_allowed_redacted_request_sends_the_model_what_explain_says(gw: GatewayServer, http: httpx.Client) -> None:
    headers = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
    answer = http.post(SEED_ROUTE, json=_body(NOTE), headers=headers)
    report = _explain(SEED_PACK, headers, _body(NOTE))

    assert answer.status_code == 200 and report["decision"]["allow"] is True
    assert report["answer"]["target"] == answer.headers["x-packgate-target"] == "local-mental-health"
    [received] = gw.standin.received
    assert report["model_request"]["body"] == received.body  # exactly what the model got, redacted
    sent = received.body["messages"][0]["content"]
    assert "448812" not in sent and "Jane" not in sent and "[MRN]" in sent
    assert {t["policy"] for t in report["decision"]["transforms"]} == {"hipaa-phi-detector", "pii-detector"}
    found = {f["category"] for f in report["findings"]}
    assert {"MRN", "NAME", "DATE"} <= found
    assert "448812" not in json.dumps(report["findings"]) and "Jane" not in json.dumps(report["findings"])


def test_a_denied_request_lists_every_violation_as_the_gateway_does(gw: GatewayServer, http: httpx.Client) -> None:
    headers = {"X-User-Role": "nurse", "X-Tool": "delete_chart"}
    answer = http.post(SEED_ROUTE, json=_body(NOTE), headers=headers)
    report = _explain(SEED_PACK, headers, _body(NOTE))

    error, listed = answer.json()["error"], answer.json()["packgate"]["violations"]
    assert (answer.status_code, error["code"]) == (report["answer"]["status"], report["answer"]["code"]) \
        == (401, "missing_header")
    assert [(v["code"], v["param"]) for v in listed] == [("missing_header", "X-User-ID"), ("unknown_role", "nurse")]
    assert report["violations"] == listed  # every reason, in OPA's order, in both
    assert report["model_request"] is None and gw.standin.received == []


def test_the_ollama_error_body_lists_the_violations_too(gw: GatewayServer, http: httpx.Client) -> None:
    answer = http.post("/routes/behavioral-health-review-route/api/chat",
                       json={**_body(NOTE), "stream": False}, headers={"X-User-ID": "u-1", "X-User-Role": "nurse"})
    assert answer.status_code == 403
    assert [v["code"] for v in answer.json()["packgate"]["violations"]] == ["unknown_role"]


def test_a_delivered_answer_matches_explain_with_a_response(gw: GatewayServer, http: httpx.Client) -> None:
    output = "Follow up in two weeks; the patient, MRN 448812, agreed."
    gw.standin.script(Reply(text=output))
    headers = {"X-User-ID": "u-17", "X-User-Role": "clinician"}
    body = _body("Summarise the visit.", model="primary-model")
    answer = http.post(DELIVER_ROUTE, json=body, headers=headers)
    report = _explain(PACKS_DIR / "gw-deliver.yaml", headers, body, "--response", output)

    assert answer.status_code == 200 and report["answer"]["status"] == 200
    assert report["response"]["action"] == "deliver"
    assert report["response"]["delivered"] == answer.json()["choices"][0]["message"]["content"]
    assert "448812" not in report["response"]["delivered"]
    assert report["model_request"]["body"] == gw.standin.received[0].body


def test_a_request_the_gateway_refuses_before_opa_is_explained_as_such(http: httpx.Client) -> None:
    body = {"messages": []}
    answer = http.post(SEED_ROUTE, json=body, headers={"X-User-ID": "u", "X-User-Role": "clinician"})
    report = _explain(SEED_PACK, {"X-User-ID": "u", "X-User-Role": "clinician"}, body)
    assert (report["answer"]["status"], report["answer"]["code"]) == (answer.status_code, answer.json()["error"]["code"])
    assert report["decision"] is None


def test_explain_prints_the_decision_for_a_reviewer() -> None:
    result = run_cli("explain", "--pack", str(SEED_PACK), "-H", "X-User-Role: nurse", input=orjson.dumps(_body(NOTE)).decode())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1. 401 missing_header (rbac) param=X-User-ID" in out and "2. 403 unknown_role (rbac) param=nurse" in out
    assert "MRN" in out and "448812" not in out
    assert "the gateway answers: 401 missing_header (rbac)" in out


def test_explain_refuses_a_malformed_header_cleanly() -> None:
    result = run_cli("explain", "--pack", str(SEED_PACK), "-H", "no colon here", input="{}")
    assert result.returncode == 2 and result.stderr.startswith("packgate: explain: -H")


def test_a_blocked_answer_lists_its_violations_as_explain_does(gw: GatewayServer, http: httpx.Client) -> None:
    output = "Increase the dose and prescribe more."
    gw.standin.script(Reply(text=output))
    headers = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician"}
    answer = http.post(SEED_ROUTE, json=_body("Draft a plan."), headers=headers)
    report = _explain(SEED_PACK, headers, _body("Draft a plan."), "--response", output)

    assert answer.status_code == 409 and report["answer"]["status"] == 409
    assert report["response"]["action"] == "block"
    listed = answer.json()["packgate"]["violations"]
    assert [v["param"] for v in listed] == ["blocked_patterns[0]", "blocked_patterns[1]"]
    assert report["response"]["violations"] == listed
