# METADATA
# title: Unit tests for packgate.lib.oversight
# description: human-oversight with action escalate and action block.
package packgate.lib.oversight_test

import data.packgate.lib.oversight

test_escalates_with_action_escalate if {
	oversight.escalates({"action": "escalate"}, {})
}

test_escalates_not_with_action_block if {
	not oversight.escalates({"action": "block"}, {})
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

test_reviewed_release_is_not_escalated_again if {
	not oversight.escalates({"action": "escalate"}, {"review": {"reviewed": true}})
}

test_deadline_seconds_from_review_deadline if {
	oversight.deadline_seconds({"action": "escalate", "review_deadline": "30m"}) == 1800
	oversight.terms({"action": "escalate", "review_deadline": "4h", "urgent_deadline": "15m"}) == {
		"deadline_s": 14400,
		"urgent_deadline_s": 900,
	}
	not oversight.terms({"action": "block"})
}

reviewer_config := {"action": "escalate", "reviewer_roles": ["reviewer"]}

verified(user, role) := {"user_id": user, "role": role, "verified": true, "token": "valid"}

test_review_allows_a_verified_reviewer if {
	oversight.review(reviewer_config, {"identity": verified("rev-1", "reviewer"), "requester": "dr-a"}).allow
}

test_review_refuses_an_unverified_identity if {
	d := oversight.review(reviewer_config, {"identity": {"user_id": "rev-1", "role": "reviewer", "verified": false}})
	d.status == 401
	d.code == "unauthenticated"
}

test_review_refuses_other_roles if {
	d := oversight.review(reviewer_config, {"identity": verified("dr-b", "clinician"), "requester": "dr-a"})
	d.status == 403
	d.code == "not_a_reviewer"
}

test_review_refuses_own_request if {
	d := oversight.review(reviewer_config, {"identity": verified("rev-1", "reviewer"), "requester": "rev-1"})
	d.status == 403
	d.code == "own_request"
}
