# METADATA
# title: Unit tests for packgate.lib.guard
# description: prompt-guard's system-message handling and injection outcomes.
package packgate.lib.guard_test

import data.packgate.lib.guard

guard_config := {"system_prompt": "You draft summaries.", "client_system_messages": "refuse", "injection": "block"}

clean := {"crisis": [], "injection": [], "system_messages": 0}

override := {"crisis": [], "injection": [{"category": "instruction_override", "source": "tool"}], "system_messages": 0}

test_clean_request_has_no_violation if {
	guard.request_violations(guard_config, clean) == set()
}

test_client_system_message_refused if {
	some v in guard.request_violations(guard_config, object.union(clean, {"system_messages": 1}))
	v.status == 422
	v.code == "system_message_not_allowed"
}

test_client_system_message_replaced if {
	config := object.union(guard_config, {"client_system_messages": "replace"})
	guard.request_violations(config, object.union(clean, {"system_messages": 2})) == set()
	guard.plan(config, clean).drop_client_system == true
}

test_injection_blocked_with_source if {
	some v in guard.request_violations(guard_config, override)
	v.status == 409
	v.code == "prompt_injection"
	contains(v.message, "instruction_override in tool")
}

test_injection_flagged if {
	config := object.union(guard_config, {"injection": "flag"})
	guard.request_violations(config, override) == set()
	guard.plan(config, override) == {
		"system_prompt": "You draft summaries.",
		"drop_client_system": false,
		"flagged": ["instruction_override in tool"],
	}
}

test_plan_without_system_prompt if {
	guard.plan({"client_system_messages": "keep", "injection": "block"}, clean).system_prompt == null
}
