# METADATA
# title: Unit tests for packgate.lib.verdict
# description: Violation ordering, preflight checks and the request and response decisions.
package packgate.lib.verdict_test

import data.packgate.lib.verdict

chain := ["rbac", "data-routing-policy", "pii-detector", "healthcare-compliance", "human-oversight"]

missing_header := violation("rbac", "missing_header", 401, "X-User-ID")

unauthenticated := violation("rbac", "unauthenticated", 401, "Authorization")

tool_not_allowed := violation("rbac", "tool_not_allowed", 403, "x")

no_provider := violation("data-routing-policy", "no_compliant_provider", 409, null)

output_blocked := violation("healthcare-compliance", "output_blocked", 409, "blocked_patterns[0]")

routing := {"target": "local", "targets": ["local"], "excluded_targets": [{"id": "cloud", "reasons": []}]}

sensitivity := {"declared": null, "inferred": "public", "effective": "public"}

audit := {"log_provider_selection": true, "retention_days": 2190}

redact := {"policy": "pii-detector", "action": "redact", "categories": ["SSN"]}

violation(policy, code, status, param) := {
	"policy": policy,
	"code": code,
	"status": status,
	"message": sprintf("%s: %s", [policy, code]),
	"param": param,
}

codes(violations) := [violation.code | some violation in violations]

test_ordered_by_chain_position_first if {
	by_policy := {"data-routing-policy": {no_provider}, "rbac": {tool_not_allowed}}
	verdict.ordered(chain, by_policy) == [tool_not_allowed, no_provider]
}

test_ordered_by_status_within_a_policy if {
	verdict.ordered(chain, {"rbac": {tool_not_allowed, unauthenticated}}) == [unauthenticated, tool_not_allowed]
}

test_ordered_by_code_within_a_status if {
	by_policy := {"rbac": {unauthenticated, tool_not_allowed, missing_header}}
	codes(verdict.ordered(chain, by_policy)) == ["missing_header", "unauthenticated", "tool_not_allowed"]
}

test_ordered_by_param_within_a_code if {
	other_tool := object.union(tool_not_allowed, {"param": "a"})
	verdict.ordered(chain, {"rbac": {tool_not_allowed, other_tool}}) == [other_tool, tool_not_allowed]
}

test_ordered_ignores_policies_outside_the_chain if {
	by_policy := {"rbac": {missing_header}, "data-routing-policy": {no_provider}}
	verdict.ordered(["data-routing-policy"], by_policy) == [no_provider]
}

test_ordered_empty_without_violations if {
	verdict.ordered(chain, {"rbac": set()}) == []
}

test_ordered_transforms_in_chain_order if {
	phi := {"policy": "hipaa-phi-detector", "action": "redact", "categories": ["NAME"]}
	by_policy := {"pii-detector": [redact], "hipaa-phi-detector": [phi]}
	verdict.ordered_transforms(["hipaa-phi-detector", "pii-detector"], by_policy) == [phi, redact]
}

test_ordered_transforms_skip_policies_without_transforms if {
	verdict.ordered_transforms(chain, {"pii-detector": [redact], "rbac": []}) == [redact]
}

test_preflight_none_for_an_enabled_pack if {
	verdict.preflight({"name": "route", "enabled": true}, "internal", false) == set()
}

test_preflight_disabled_pack if {
	verdict.preflight({"name": "route", "enabled": false}, null, false) == {{
		"policy": "pack",
		"code": "pack_disabled",
		"status": 503,
		"message": "pack route is disabled",
		"param": null,
	}}
}

test_preflight_invalid_tier if {
	verdict.preflight({"name": "route", "enabled": true}, "top-secret", true) == {{
		"policy": "rbac",
		"code": "invalid_sensitivity",
		"status": 400,
		"message": "unknown data sensitivity tier; use public, internal, confidential or restricted",
		"param": "X-Data-Sensitivity",
	}}
}

test_preflight_invalid_tier_needs_a_declared_tier if {
	verdict.preflight({"name": "route", "enabled": true}, null, true) == set()
}

test_preflight_disabled_pack_answers_503_whatever_the_tier if {
	violations := verdict.ordered(["pack"], {"pack": verdict.preflight({"name": "route", "enabled": false}, "x", true)})
	codes(violations) == ["pack_disabled"]
}

test_request_allowed_without_violations if {
	verdict.request([], routing, [redact], sensitivity, audit) == {
		"allow": true,
		"status": 200,
		"code": null,
		"policy": null,
		"message": null,
		"param": null,
		"verdict": "allowed",
		"violations": [],
		"sensitivity": sensitivity,
		"target": "local",
		"targets": ["local"],
		"excluded_targets": [{"id": "cloud", "reasons": []}],
		"transforms": [redact],
		"audit": audit,
	}
}

test_request_first_violation_sets_the_outcome if {
	decision := verdict.request([missing_header, no_provider], routing, [], sensitivity, audit)
	decision.allow == false
	decision.status == 401
	decision.code == "missing_header"
	decision.policy == "rbac"
	decision.message == "rbac: missing_header"
	decision.param == "X-User-ID"
	decision.verdict == "denied"
	decision.violations == [missing_header, no_provider]
}

test_request_outcome_follows_the_chain_not_the_status if {
	violations := verdict.ordered(chain, {"rbac": {tool_not_allowed}, "data-routing-policy": {no_provider}})
	verdict.request(violations, routing, [], sensitivity, audit).status == 403
}

test_response_deliver_without_violations if {
	verdict.response([], false, ["Not medical advice."], [redact], "II") == {
		"allow": true,
		"action": "deliver",
		"status": 200,
		"code": null,
		"policy": null,
		"message": null,
		"param": null,
		"verdict": "allowed",
		"violations": [],
		"disclaimers": ["Not medical advice."],
		"transforms": [redact],
		"fda_class": "II",
	}
}

test_response_escalate_without_violations if {
	decision := verdict.response([], true, [], [], "III")
	decision.allow == true
	decision.action == "escalate"
	decision.status == 200
	decision.code == "escalated"
	decision.policy == "human-oversight"
	decision.message == "output held for human review"
	decision.param == null
	decision.verdict == "escalated"
}

test_response_block_beats_escalate if {
	decision := verdict.response([output_blocked], true, [], [], "III")
	decision.allow == false
	decision.action == "block"
	decision.status == 409
	decision.code == "output_blocked"
	decision.policy == "healthcare-compliance"
	decision.param == "blocked_patterns[0]"
	decision.verdict == "blocked"
}

test_response_block_without_escalation if {
	decision := verdict.response([output_blocked], false, [], [], null)
	decision.action == "block"
	decision.fda_class == null
}

test_response_block_takes_the_status_of_the_first_violation if {
	decision := verdict.response([tool_not_allowed, output_blocked], false, [], [], null)
	decision.action == "block"
	decision.status == 403
	decision.code == "tool_not_allowed"
}

test_redaction_allows_without_violations if {
	decision := verdict.redaction([], [redact])
	decision.allow == true
	decision.verdict == "allowed"
	decision.transforms == [redact]
}

test_redaction_blocked_by_the_first_violation if {
	blocked := violation("pii-detector", "input_blocked", 409, "SSN")
	decision := verdict.redaction([blocked], [])
	decision.allow == false
	decision.status == 409
	decision.code == "input_blocked"
	decision.param == "SSN"
	decision.verdict == "blocked"
}
