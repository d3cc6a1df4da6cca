# METADATA
# title: Unit tests for packgate.lib.testing
# description: The assertions generated and hand-written pack tests use to read a decision.
package packgate.lib.testing_test

import data.packgate.lib.testing

decision := {
	"violations": [
		{"policy": "rbac", "code": "missing_header", "status": 401, "message": "m", "param": "X-User-ID"},
		{"policy": "data-routing-policy", "code": "no_compliant_provider", "status": 409, "message": "n", "param": null},
	],
	"transforms": [{"policy": "pii-detector", "action": "redact", "categories": ["SSN"], "marker_format": "label"}],
	"excluded_targets": [{"id": "cloud", "reasons": [
		{"code": "retention_too_long", "message": "r"},
		{"code": "zero_data_retention_required", "message": "z"},
	]}],
}

test_has_code if {
	testing.has_code(decision, "no_compliant_provider")
}

test_has_code_not_for_an_absent_code if {
	not testing.has_code(decision, "tool_not_allowed")
}

test_has_code_not_without_violations if {
	not testing.has_code({"violations": []}, "missing_header")
}

test_has_violation if {
	testing.has_violation(decision, "missing_header", "X-User-ID")
}

test_has_violation_with_a_null_param if {
	testing.has_violation(decision, "no_compliant_provider", null)
}

test_has_violation_not_for_another_param if {
	not testing.has_violation(decision, "missing_header", "X-User-Role")
}

test_has_violation_not_for_another_code if {
	not testing.has_violation(decision, "tool_not_allowed", "X-User-ID")
}

test_has_transform_with_some_fields if {
	testing.has_transform(decision, {"policy": "pii-detector", "categories": ["SSN"]})
}

test_has_transform_with_no_fields if {
	testing.has_transform(decision, {})
}

test_has_transform_not_for_another_value if {
	not testing.has_transform(decision, {"policy": "pii-detector", "marker_format": "token"})
}

test_has_transform_not_for_a_field_the_transform_lacks if {
	not testing.has_transform(decision, {"policy": "pii-detector", "safe_harbor": true})
}

test_excluded_with_exactly_these_codes if {
	testing.excluded_with(decision, "cloud", {"retention_too_long", "zero_data_retention_required"})
}

test_excluded_with_not_for_a_subset_of_the_codes if {
	not testing.excluded_with(decision, "cloud", {"retention_too_long"})
}

test_excluded_with_not_for_another_target if {
	not testing.excluded_with(decision, "local", {"retention_too_long", "zero_data_retention_required"})
}

test_subset_of_an_object if {
	testing.subset({"a": 1}, {"a": 1, "b": 2})
}

test_subset_not_when_a_value_differs if {
	not testing.subset({"a": 1, "b": 3}, {"a": 1, "b": 2})
}
