# METADATA
# title: human-oversight
# description: |
#   A review stop on delivery. action escalate holds every response on the route for human
#   review (200, content null, an escalation id); action block refuses to deliver (409).
#   A reviewer's release is checked again by the response decision with `review.reviewed`
#   set: it is then delivered or blocked, never escalated again. The review decision says
#   who may review (a verified reviewer role, never the requester) and the deadline.
package packgate.lib.oversight

# METADATA
# description: True when responses on the route must be escalated (not a reviewed release).
escalates(config, inp) if {
	config.action == "escalate"
	not reviewed(inp)
}

reviewed(inp) if inp.review.reviewed == true

# METADATA
# description: The violation when the route blocks all output pending review.
response_violations(config) := {{
	"policy": "human-oversight",
	"code": "output_blocked",
	"status": 409,
	"message": "this route does not deliver model output without human review",
	"param": null,
} |
	config.action == "block"
}

# METADATA
# description: Seconds a held answer waits for review before it expires (review_deadline, e.g. 4h).
deadline_seconds(config) := time.parse_duration_ns(object.get(config, "review_deadline", "4h")) / 1000000000

# METADATA
# description: Seconds an urgent held answer (a crisis escalation) waits (urgent_deadline, e.g. 30m).
urgent_deadline_seconds(config) := time.parse_duration_ns(object.get(config, "urgent_deadline", "30m")) / 1000000000

# METADATA
# description: What the response decision says about holding an escalated answer (urgent ones expire sooner).
terms(config) := {
	"deadline_s": deadline_seconds(config),
	"urgent_deadline_s": urgent_deadline_seconds(config),
} if {
	config.action == "escalate"
}

# METADATA
# scope: document
# description: |
#   The review decision: may this identity act on a held answer? Refusals in order: no
#   verified token (401), a role not in reviewer_roles (403), the requester reviewing their
#   own request (403).
review(config, inp) := refusals(config, inp)[0] if count(refusals(config, inp)) > 0

review(config, inp) := {"allow": true, "status": 200, "code": "reviewer", "message": "reviewer verified"} if {
	count(refusals(config, inp)) == 0
}

# METADATA
# description: Why an identity may not review, most basic first (empty when it may).
refusals(config, inp) := [r |
	some [refused, r] in [
		[unverified(inp), _refusal(401, "unauthenticated", "a verified reviewer token is required")],
		[not_reviewer(config, inp), _refusal(403, "not_a_reviewer", "this role may not review on this route")],
		[own_request(inp), _refusal(403, "own_request", "a reviewer may not review their own request")],
	]
	refused
]

_refusal(status, code, message) := {"allow": false, "status": status, "code": code, "message": message}

default unverified(_) := true

unverified(inp) := false if {
	inp.identity.verified == true
	inp.identity.token == "valid"
	is_string(inp.identity.user_id)
	inp.identity.user_id != ""
}

default not_reviewer(_, _) := true

not_reviewer(config, inp) := false if inp.identity.role in object.get(config, "reviewer_roles", [])

default own_request(_) := false

own_request(inp) if inp.identity.user_id == inp.requester
