# METADATA
# title: hipaa-phi-detector and pii-detector
# description: |
#   What the detectors' findings oblige the gateway to do. With action redact, the categories a
#   policy found become a redact transform; with action block, any finding stops the request
#   (409 input_blocked) or the output (409 output_blocked).
package packgate.lib.detectors

import data.packgate.lib.findings

# METADATA
# description: The detector policies - those whose facts are findings in a text.
policies := {"hipaa-phi-detector", "pii-detector"}

# METADATA
# description: The redact transform for one detector policy, when it found something.
transforms(policy, config, found) := [{
	"policy": policy,
	"action": "redact",
	"categories": sort(categories),
	"marker_format": redaction.marker_format,
	"safe_harbor": object.get(config, "safe_harbor_method", false),
	"include_metadata": redaction.include_metadata,
	"preserve_length": redaction.preserve_length,
	"restore_tokens": redaction.restore_tokens,
} |
	config.action == "redact"
	categories := findings.policy_categories(found, policy)
	count(categories) > 0
	redaction := object.union(redaction_defaults, object.get(config, "redaction", {}))
]

# METADATA
# description: The redaction settings a detector's config leaves out.
redaction_defaults := {
	"marker_format": "label",
	"include_metadata": false,
	"preserve_length": false,
	"restore_tokens": false,
}

# METADATA
# description: A blocking detector's violation for the request phase.
request_violations(policy, config, found) := block(policy, config, found, "input_blocked")

# METADATA
# description: A blocking detector's violation for the response phase.
response_violations(policy, config, found) := block(policy, config, found, "output_blocked")

block(policy, config, found, code) := {{
	"policy": policy,
	"code": code,
	"status": 409,
	"message": sprintf("%s found %s and its action is block", [policy, concat(", ", sort(categories))]),
	"param": concat(",", sort(categories)),
} |
	config.action == "block"
	categories := findings.policy_categories(found, policy)
	count(categories) > 0
}
