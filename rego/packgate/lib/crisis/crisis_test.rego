# METADATA
# title: Unit tests for packgate.lib.crisis
# description: Which findings count, per audience, scope and action.
package packgate.lib.crisis_test

import data.packgate.lib.crisis

patient := {
	"scope": ["input", "output"], "audience": "patient", "action": "respond", "min_confidence": 0.6,
	"response": "Call or text 988.", "notify_url": "https://oncall.example/hooks/crisis",
}

first_si := {"category": "suicidal_ideation", "person": "first", "context": "current", "plan": true, "confidence": 0.85}

reported_si := object.union(first_si, {"person": "reported"})

test_respond_with_resources_and_notification if {
	crisis.decision(patient, [first_si], "input") == {
		"action": "respond", "policy": "crisis-detection", "code": "crisis_indicator", "status": 200,
		"verdict": "blocked", "message": "Call or text 988.", "priority": "urgent", "notify": true,
		"categories": ["suicidal_ideation"],
	}
}

test_negated_and_history_do_not_count if {
	negated := object.union(first_si, {"context": "negated"})
	history := object.union(first_si, {"context": "history", "category": "self_harm"})
	crisis.decision(patient, [negated, history], "input").action == "none"
}

test_low_confidence_does_not_count if {
	crisis.decision(patient, [object.union(first_si, {"confidence": 0.5})], "input").action == "none"
}

test_patient_route_counts_reported if {
	crisis.decision(patient, [reported_si], "input").action == "respond"
}

test_clinician_route_ignores_notes_about_patients if {
	clinician := object.union(patient, {"audience": "clinician"})
	crisis.decision(clinician, [reported_si], "input").action == "none"
	crisis.decision(clinician, [first_si], "input").action == "respond"
}

test_side_out_of_scope if {
	crisis.decision(object.union(patient, {"scope": ["input"]}), [first_si], "output").action == "none"
}

test_escalate_is_urgent_and_notifies if {
	d := crisis.decision(object.union(patient, {"action": "escalate"}), [first_si], "input")
	d.verdict == "escalated"
	d.priority == "urgent"
	d.notify == true
	d.message == null
}

test_flag_forwards_without_notification if {
	d := crisis.decision(object.union(patient, {"action": "flag"}), [first_si, reported_si], "input")
	d.verdict == "allowed"
	d.notify == false
	d.categories == ["suicidal_ideation"]
}

test_no_notification_without_url if {
	config := object.remove(patient, ["notify_url"])
	crisis.decision(config, [first_si], "input").notify == false
}
