# Hand-written Rego tests for the pack @NAME@ (written by `packgate init`).
# `packgate test` copies every file beside the pack named like the pack file without .yaml,
# then anything, then _test.rego into the bundle, and runs it with the generated tests.
package packgate.packs.@PACKAGE@_test

import data.packgate.packs.@PACKAGE@ as route

patient := {
	"identity": {"user_id": "pt-1001", "role": "patient"},
	"headers": {"x-user-id": "pt-1001", "x-user-role": "patient"},
}

test_rego_a_patient_reaches_the_local_target if {
	decision := route.request with input as patient
	decision.allow == true
	decision.target == "local-chat"
}

test_rego_without_a_user_id_the_request_is_refused if {
	decision := route.request with input as {"headers": {"x-user-role": "patient"}}
	decision.allow == false
	decision.status == 401
	decision.code == "missing_header"
}

test_rego_a_delivered_answer_starts_with_the_disclaimer if {
	answer := {"output": {"text": "Your visit is on Monday.", "tool_calls": []}}
	decision := route.response with input as object.union(patient, answer)
	decision.action == "deliver"
	decision.disclaimers == ["This assistant does not replace your care team. In an emergency call 911."]
}
