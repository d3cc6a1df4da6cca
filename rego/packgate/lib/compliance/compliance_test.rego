# METADATA
# title: Unit tests for packgate.lib.compliance
# description: blocked_patterns as case-insensitive RE2 on model output, and required_disclaimers.
package packgate.lib.compliance_test

import data.packgate.lib.compliance

config := {
	"blocked_patterns": ["prescribe", `\bincrease\s+the\s+dose\b`, `say \"yes\"`],
	"required_disclaimers": ["For licensed clinical review only.", "Not medical advice."],
	"fda_class": "III",
}

params(violations) := {violation.param | some violation in violations}

test_output_violations_none_for_clean_output if {
	compliance.output_violations(config, "Summary: the patient reports better sleep.") == set()
}

test_output_violations_match_case_insensitively if {
	compliance.output_violations(config, "I would PRESCRIBE sertraline.") == {{
		"policy": "healthcare-compliance",
		"code": "output_blocked",
		"status": 409,
		"message": "output matches blocked_patterns[0]",
		"param": "blocked_patterns[0]",
	}}
}

test_output_violations_match_a_substring if {
	params(compliance.output_violations(config, "a prescriber should review")) == {"blocked_patterns[0]"}
}

test_output_violations_regex_metacharacters_match if {
	params(compliance.output_violations(config, "Increase   the\tdose tonight.")) == {"blocked_patterns[1]"}
}

test_output_violations_regex_word_boundary_does_not_match if {
	compliance.output_violations(config, "increase the dosage") == set()
}

test_output_violations_pattern_with_quotes_is_matched_literally if {
	params(compliance.output_violations(config, `They say "YES" loudly.`)) == {"blocked_patterns[2]"}
}

test_output_violations_pattern_with_quotes_is_not_code if {
	compliance.output_violations(config, "say yes") == set()
}

test_output_violations_injection_attempt_stays_a_pattern if {
	injection := {"blocked_patterns": [`" or "1"="1`, `\\`]}
	compliance.output_violations(injection, "an ordinary answer") == set()
	params(compliance.output_violations(injection, `x" OR "1"="1`)) == {"blocked_patterns[0]"}
	params(compliance.output_violations(injection, `C:\temp`)) == {"blocked_patterns[1]"}
}

test_output_violations_one_per_matching_pattern if {
	violations := compliance.output_violations(config, "prescribe it and increase the dose")
	params(violations) == {"blocked_patterns[0]", "blocked_patterns[1]"}
}

test_output_violations_none_without_blocked_patterns if {
	compliance.output_violations({"required_disclaimers": []}, "prescribe") == set()
}

test_output_violations_a_pattern_opa_cannot_compile_blocks_every_output if {
	broken := {"blocked_patterns": [`a\Cb`, "(unclosed"]}
	params(compliance.output_violations(broken, "")) == {"blocked_patterns[0]", "blocked_patterns[1]"}
}

test_disclaimers_in_pack_order if {
	compliance.disclaimers(config) == ["For licensed clinical review only.", "Not medical advice."]
}

test_disclaimers_none_configured if {
	compliance.disclaimers({"blocked_patterns": ["prescribe"]}) == []
}

test_answer_violations_check_every_string_of_the_answer if {
	output := {"text": "a clean summary", "strings": ["", "summarize", `{"note": "we prescribe it"}`]}
	params(compliance.answer_violations(config, output)) == {"blocked_patterns[0]"}
}

test_answer_violations_text_alone_still_checked if {
	params(compliance.answer_violations(config, {"text": "Increase the dose"})) == {"blocked_patterns[1]"}
}

test_answer_violations_none_for_clean_answer if {
	compliance.answer_violations(config, {"text": "fine", "strings": ["summarize", "{}"]}) == set()
}
