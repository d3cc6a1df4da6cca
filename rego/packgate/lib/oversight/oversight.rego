# METADATA
# title: human-oversight
# description: |
#   A review stop on delivery. action escalate holds every response on the route for human
#   review (200, content null, an escalation id); action block refuses to deliver (409).
package packgate.lib.oversight

# METADATA
# description: True when responses on the route must be escalated.
escalates(config) if config.action == "escalate"

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
