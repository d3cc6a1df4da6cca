# Hand-written Rego tests for the pack @NAME@ (written by `packgate init`).
# `packgate test` copies every file beside the pack named like the pack file without .yaml,
# then anything, then _test.rego into the bundle, and runs it with the generated tests.
package packgate.packs.@PACKAGE@_test

import data.packgate.packs.@PACKAGE@ as route

front_desk := {
	"identity": {"user_id": "fd-9", "role": "front-desk"},
	"headers": {"x-user-id": "fd-9", "x-user-role": "front-desk"},
	"tools": ["draft_reminder"],
}

test_rego_a_patient_name_stops_the_request if {
	findings := [{"policy": "hipaa-phi-detector", "category": "NAME", "count": 1}]
	decision := route.request with input as object.union(front_desk, {"findings": findings})
	decision.allow == false
}

test_rego_a_practice_manager_may_summarise_the_schedule if {
	manager := {
		"identity": {"user_id": "pm-2", "role": "practice-manager"},
		"headers": {"x-user-id": "pm-2", "x-user-role": "practice-manager"},
		"tools": ["summarize_schedule"],
	}
	decision := route.request with input as manager
	decision.allow == true
}

test_rego_a_plain_reminder_is_delivered if {
	answer := {"output": {"text": "Reminder: your appointment is on Monday at 10am.", "tool_calls": []}}
	decision := route.response with input as object.union(front_desk, answer)
	decision.action == "deliver"
}
