# METADATA
# title: healthcare-compliance
# description: |
#   Output governance: blocked_patterns are RE2 regular expressions matched case-insensitively
#   against every string of the model's output (409 output_blocked); required_disclaimers are injected into
#   delivered output by the gateway.
package packgate.lib.compliance

# METADATA
# description: One violation per blocked pattern the output matches; param names the pattern by index.
output_violations(config, text) := pattern_violations(object.get(config, "blocked_patterns", []), [text])

# METADATA
# description: |
#   One violation per blocked pattern any string of the answer matches: output.text (the content)
#   and output.strings (refusal, tool-call names and arguments). The gateway sends both normalised
#   (NFKC, format characters removed, homoglyphs folded to Latin).
answer_violations(config, output) := pattern_violations(
	object.get(config, "blocked_patterns", []),
	answer_strings(output),
)

# METADATA
# description: Every string of the answer, content first.
answer_strings(output) := array.concat([object.get(output, "text", "")], object.get(output, "strings", []))

# METADATA
# description: |
#   One violation per pattern that blocks any of the texts. Each pattern is prefixed and checked
#   once, not once per text: this runs on every response.
pattern_violations(patterns, texts) := {violation(index) |
	some index, pattern in patterns
	blocks(concat("", ["(?i)", pattern]), texts)
}

# METADATA
# scope: document
# description: |
#   True when the pattern matches any of the texts. A pattern OPA's RE2 cannot compile (the
#   linter's RE2 binding accepts a few, e.g. \C) blocks every output: fail closed, where a
#   regex.match error would silently never block.
blocks(pattern, texts) if {
	some text in texts
	regex.match(pattern, text)
}

blocks(pattern, _) if not regex.is_valid(pattern)

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
