# METADATA
# title: Unit tests for packgate.lib.detectors
# description: Redact transforms and blocking violations from detector findings.
package packgate.lib.detectors_test

import data.packgate.lib.detectors

found := [
	{"policy": "pii-detector", "category": "SSN", "count": 1},
	{"policy": "pii-detector", "category": "EMAIL", "count": 2},
	{"policy": "pii-detector", "category": "PHONE", "count": 0},
	{"policy": "hipaa-phi-detector", "category": "NAME", "count": 3},
]

redact_config := {
	"action": "redact",
	"safe_harbor_method": true,
	"redaction": {
		"marker_format": "token",
		"include_metadata": true,
		"preserve_length": true,
		"restore_tokens": true,
	},
}

test_transforms_redact_the_categories_found_sorted if {
	detectors.transforms("pii-detector", redact_config, found) == [{
		"policy": "pii-detector",
		"action": "redact",
		"categories": ["EMAIL", "SSN"],
		"marker_format": "token",
		"safe_harbor": true,
		"include_metadata": true,
		"preserve_length": true,
		"restore_tokens": true,
	}]
}

test_transforms_default_redaction_settings if {
	detectors.transforms("hipaa-phi-detector", {"action": "redact"}, found) == [{
		"policy": "hipaa-phi-detector",
		"action": "redact",
		"categories": ["NAME"],
		"marker_format": "label",
		"safe_harbor": false,
		"include_metadata": false,
		"preserve_length": false,
		"restore_tokens": false,
	}]
}

test_transforms_none_for_findings_of_other_policies if {
	detectors.transforms("pii-detector", redact_config, [found[3]]) == []
}

test_transforms_none_for_a_zero_count if {
	detectors.transforms("pii-detector", redact_config, [found[2]]) == []
}

test_transforms_none_without_findings if {
	detectors.transforms("pii-detector", redact_config, []) == []
}

test_transforms_none_when_the_action_is_block if {
	detectors.transforms("pii-detector", {"action": "block"}, found) == []
}

test_request_violations_input_blocked if {
	violations := detectors.request_violations("pii-detector", {"action": "block"}, found)
	count(violations) == 1
	some violation in violations
	violation == {
		"policy": "pii-detector",
		"code": "input_blocked",
		"status": 409,
		"message": "pii-detector found EMAIL, SSN and its action is block",
		"param": "EMAIL,SSN",
	}
}

test_request_violations_none_when_the_action_is_redact if {
	count(detectors.request_violations("pii-detector", redact_config, found)) == 0
}

test_request_violations_none_for_findings_of_other_policies if {
	count(detectors.request_violations("hipaa-phi-detector", {"action": "block"}, [found[0]])) == 0
}

test_request_violations_none_for_a_zero_count if {
	count(detectors.request_violations("pii-detector", {"action": "block"}, [found[2]])) == 0
}

test_response_violations_output_blocked if {
	violations := detectors.response_violations("hipaa-phi-detector", {"action": "block"}, found)
	count(violations) == 1
	some violation in violations
	violation == {
		"policy": "hipaa-phi-detector",
		"code": "output_blocked",
		"status": 409,
		"message": "hipaa-phi-detector found NAME and its action is block",
		"param": "NAME",
	}
}

test_response_violations_none_without_findings if {
	count(detectors.response_violations("hipaa-phi-detector", {"action": "block"}, [])) == 0
}

test_response_violations_none_when_the_action_is_redact if {
	count(detectors.response_violations("hipaa-phi-detector", redact_config, found)) == 0
}
