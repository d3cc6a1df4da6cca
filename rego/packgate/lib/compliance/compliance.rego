# METADATA
# title: healthcare-compliance
# description: |
#   Output governance: blocked_patterns are RE2 regular expressions matched case-insensitively
#   against the model's output (409 output_blocked); required_disclaimers are injected into
#   delivered output by the gateway.
package packgate.lib.compliance

# METADATA
# description: One violation per blocked pattern the output matches; param names the pattern by index.
output_violations(config, text) := {violation(index) |
	some index, pattern in object.get(config, "blocked_patterns", [])
	regex.match(concat("", ["(?i)", pattern]), text)
}

violation(index) := {
	"policy": "healthcare-compliance",
	"code": "output_blocked",
	"status": 409,
	"message": sprintf("output matches blocked_patterns[%d]", [index]),
	"param": sprintf("blocked_patterns[%d]", [index]),
}

# METADATA
# description: Disclaimers to inject into delivered output, in pack order.
disclaimers(config) := object.get(config, "required_disclaimers", [])
