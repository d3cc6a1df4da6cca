# METADATA
# title: Assertions for pack tests
# description: Helpers the generated and hand-written pack tests use to read a decision.
package packgate.lib.testing

# METADATA
# description: True when the decision has a violation with this code.
has_code(decision, code) if {
	some violation in decision.violations
	violation.code == code
}

# METADATA
# description: True when the decision has a violation with this code and param.
has_violation(decision, code, param) if {
	some violation in decision.violations
	violation.code == code
	violation.param == param
}

# METADATA
# description: True when some transform has every field of want with the same value.
has_transform(decision, want) if {
	some transform in decision.transforms
	subset(want, transform)
}

# METADATA
# description: True when the target is excluded with exactly these reason codes.
excluded_with(decision, id, codes) if {
	some excluded in decision.excluded_targets
	excluded.id == id
	{reason.code | some reason in excluded.reasons} == codes
}

subset(want, have) if {
	every key, value in want {
		have[key] == value
	}
}
