# METADATA
# title: Unit tests for packgate.lib.oversight
# description: human-oversight with action escalate and action block.
package packgate.lib.oversight_test

import data.packgate.lib.oversight

test_escalates_with_action_escalate if {
	oversight.escalates({"action": "escalate"})
}

test_escalates_not_with_action_block if {
	not oversight.escalates({"action": "block"})
}

test_response_violations_with_action_block if {
	oversight.response_violations({"action": "block"}) == {{
		"policy": "human-oversight",
		"code": "output_blocked",
		"status": 409,
		"message": "this route does not deliver model output without human review",
		"param": null,
	}}
}

test_response_violations_none_with_action_escalate if {
	oversight.response_violations({"action": "escalate"}) == set()
}
