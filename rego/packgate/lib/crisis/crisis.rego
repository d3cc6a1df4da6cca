# METADATA
# title: crisis-detection
# description: |
#   Crisis indicators decide what happens to a message. The gateway computes findings (category,
#   person, context, plan, confidence; never text); a finding is an indicator when its context is
#   current (not negated, not history), its confidence reaches min_confidence, and - on a clinician
#   route - the writer speaks about themselves. respond answers with the pack's response and the
#   model is not called; escalate holds the answer for review with priority urgent; flag forwards
#   and records the categories. respond and escalate send an urgent notification.
package packgate.lib.crisis

# METADATA
# description: True when a finding counts as a crisis indicator under the route's configuration.
indicator(config, finding) if {
	finding.context == "current"
	finding.confidence >= config.min_confidence
	speaks_for_self(config, finding)
}

# A patient route counts what a patient writes, about themselves or someone they report on.
speaks_for_self(config, _) if config.audience == "patient"

# A clinician route counts only the writer's own first-person statements, never a note about a patient.
speaks_for_self(_, finding) if finding.person == "first"

# METADATA
# description: The categories of the indicators among the findings, sorted.
categories(config, found) := sort({f.category |
	some f in found
	indicator(config, f)
})

# METADATA
# description: |
#   The crisis decision for one side ("input" or "output"): action none when that side is not in
#   scope or nothing counts; otherwise the configured action with its code, priority, notification
#   and the categories (the evidence, without text).
decision(config, found, side) := {
	"action": config.action,
	"policy": "crisis-detection",
	"code": "crisis_indicator",
	"status": 200,
	"verdict": verdicts[config.action],
	"message": message(config),
	"priority": priorities[config.action],
	"notify": notifies(config),
	"categories": categories(config, found),
} if {
	side in config.scope
	count(categories(config, found)) > 0
} else := {
	"action": "none",
	"policy": "crisis-detection",
	"code": null,
	"status": 200,
	"verdict": "allowed",
	"message": null,
	"priority": null,
	"notify": false,
	"categories": [],
}

verdicts := {"respond": "blocked", "escalate": "escalated", "flag": "allowed"}

priorities := {"respond": "urgent", "escalate": "urgent", "flag": "normal"}

message(config) := config.response if config.action == "respond"

else := null

notifies(config) if {
	config.action in {"respond", "escalate"}
	is_string(object.get(config, "notify_url", null))
}

else := false
