# METADATA
# title: Verdict composition
# description: |
#   Turns each policy's violations, transforms and routing into the one decision the gateway
#   enforces. Violations are ordered by the pack's chain, then status, then code; the first
#   one sets the status. Output: block beats escalate beats deliver.
package packgate.lib.verdict

# METADATA
# description: Violations of all policies, ordered by chain position, then status, code and param.
ordered(chain, by_policy) := [entry[3] |
	some entry in sort([[index, violation.status, violation.code, violation] |
		some index, policy in chain
		some violation in object.get(by_policy, policy, set())
	])
]

# METADATA
# description: Transforms of all policies, in chain order.
ordered_transforms(chain, by_policy) := [transform |
	some policy in chain
	some transform in object.get(by_policy, policy, [])
]

# METADATA
# description: |
#   Violations the gateway raises before any policy - a disabled pack, an unknown tier. A disabled
#   pack answers every request with 503, so an unknown tier is not reported beside it (it would
#   sort first, with its 400).
preflight(pack, declared, invalid_tier) := disabled(pack) if {
	pack.enabled == false
} else := invalid_sensitivity(declared, invalid_tier)

disabled(pack) := {{
	"policy": "pack",
	"code": "pack_disabled",
	"status": 503,
	"message": sprintf("pack %s is disabled", [pack.name]),
	"param": null,
} |
	pack.enabled == false
}

invalid_sensitivity(declared, invalid_tier) := {{
	"policy": "rbac",
	"code": "invalid_sensitivity",
	"status": 400,
	"message": "unknown data sensitivity tier; use public, internal, confidential or restricted",
	"param": "X-Data-Sensitivity",
} |
	invalid_tier
	is_string(declared)
}

# METADATA
# description: The request decision the gateway enforces; a refused request's verdict is "denied".
request(violations, routing, transforms, sensitivity, audit) := object.union(
	outcome(violations, "denied"),
	{
		"violations": violations,
		"sensitivity": sensitivity,
		"target": routing.target,
		"targets": routing.targets,
		"excluded_targets": routing.excluded_targets,
		"transforms": transforms,
		"audit": audit,
	},
)

# METADATA
# description: The response decision the gateway enforces.
response(violations, escalate, disclaimers, transforms, fda_class) := object.union(
	response_outcome(violations, escalate),
	{
		"violations": violations,
		"disclaimers": disclaimers,
		"transforms": transforms,
		"fda_class": fda_class,
	},
)

# METADATA
# description: |
#   What the detectors alone decide about a text (`packgate redact`): the request decision's
#   detector violations and transforms, without identity or routing.
redaction(violations, transforms) := object.union(
	outcome(violations, "blocked"),
	{"violations": violations, "transforms": transforms},
)

# METADATA
# scope: document
# description: |
#   allow, status, code, policy, message and param from the first violation, if any, and the
#   audit verdict of the outcome (allowed, or the refusing verdict given).
outcome(violations, refused) := {
	"allow": true,
	"status": 200,
	"code": null,
	"policy": null,
	"message": null,
	"param": null,
	"verdict": "allowed",
} if {
	count(violations) == 0
} else := {
	"allow": false,
	"status": first.status,
	"code": first.code,
	"policy": first.policy,
	"message": first.message,
	"param": first.param,
	"verdict": refused,
} if {
	first := violations[0]
}

# METADATA
# scope: document
# description: block beats escalate beats deliver.
response_outcome(violations, escalate) := object.union(outcome(violations, "blocked"), {"action": "block"}) if {
	count(violations) > 0
} else := {
	"allow": true,
	"action": "escalate",
	"status": 200,
	"code": "escalated",
	"policy": "human-oversight",
	"message": "output held for human review",
	"param": null,
	"verdict": "escalated",
} if {
	count(violations) == 0
	escalate == true
} else := object.union(outcome(violations, "blocked"), {"action": "deliver"}) if {
	count(violations) == 0
	escalate == false
}
