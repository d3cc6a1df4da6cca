# Hand-written Rego tests for the pack @NAME@ (written by `packgate init`).
# `packgate test` copies every file beside the pack named like the pack file without .yaml,
# then anything, then _test.rego into the bundle, and runs it with the generated tests.
package packgate.packs.@PACKAGE@_test

import data.packgate.packs.@PACKAGE@ as route

clinician := {
	"identity": {"user_id": "dr-okafor", "role": "clinician"},
	"headers": {"x-user-id": "dr-okafor", "x-user-role": "clinician"},
	"tools": ["draft_letter"],
}

test_rego_a_clinician_drafts_on_the_primary_target if {
	decision := route.request with input as clinician
	decision.allow == true
	decision.target == "drafting-primary"
}

test_rego_identifiers_are_redacted_before_the_model if {
	findings := [{"policy": "pii-detector", "category": "NAME", "count": 1}]
	decision := route.request with input as object.union(clinician, {"findings": findings})
	decision.allow == true
	some transform in decision.transforms
	transform.policy == "pii-detector"
}

test_rego_prescribing_language_is_blocked_not_held if {
	answer := {"output": {"text": "I prescribed sertraline.", "tool_calls": []}}
	decision := route.response with input as object.union(clinician, answer)
	decision.action == "block"
}
