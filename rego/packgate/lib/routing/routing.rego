# METADATA
# title: data-routing-policy
# description: |
#   Which targets may receive this route's data. Every option is a requirement on a target's
#   declared data_policy; a target that does not declare a field does not meet a requirement on
#   it. Non-compliant targets are excluded with reasons; no compliant target is a 409.
package packgate.lib.routing

# METADATA
# description: Why a target's data_policy fails the requirements (empty when it complies).
target_reasons(config, data_policy) := {reason |
	some check in checks
	required(config, check)
	not satisfied(check, config, data_policy)
	reason := {"code": check.code, "message": check.message}
}

checks := [
	{
		"option": "require_zero_data_retention", "field": "zero_data_retention", "want": true,
		"code": "zero_data_retention_required", "message": "target does not declare zero_data_retention: true",
	},
	{
		"option": "require_training_opt_out", "field": "training_opt_out", "want": true,
		"code": "training_opt_out_required", "message": "target does not declare training_opt_out: true",
	},
	{
		"option": "require_in_memory_only", "field": "in_memory_only", "want": true,
		"code": "in_memory_only_required", "message": "target does not declare in_memory_only: true",
	},
	{
		"option": "local_only_processing", "field": "local_only_processing", "want": true,
		"code": "local_only_processing_required", "message": "target does not declare local_only_processing: true",
	},
	{
		"option": "sanitize_before_provider", "field": "sanitized", "want": true,
		"code": "sanitized_required", "message": "target does not declare sanitized: true",
	},
	{
		"option": "tokenize_sensitive_fields", "field": "accepts_tokenized_input", "want": true,
		"code": "tokenized_input_required", "message": "target does not declare accepts_tokenized_input: true",
	},
	{
		"option": "allow_internet_egress", "field": "allow_internet_egress", "want": false,
		"code": "internet_egress_forbidden", "message": "target does not declare allow_internet_egress: false",
	},
	{
		"option": "max_retention_days", "field": "retention_days", "want": null,
		"code": "retention_too_long", "message": "target retention_days is undeclared or above max_retention_days",
	},
]

# A boolean requirement is active when the option is set to the value the target must declare
# (allow_internet_egress: false forbids egress; true or absent allows it).
required(config, check) if {
	check.want != null
	config[check.option] == check.want
}

required(config, check) if {
	check.want == null
	is_number(config[check.option])
}

satisfied(check, _, data_policy) if {
	check.want != null
	data_policy[check.field] == check.want
}

satisfied(check, config, data_policy) if {
	check.want == null
	is_number(data_policy[check.field])
	data_policy[check.field] <= config[check.option]
}

# METADATA
# description: |
#   The routing decision: compliant targets in failover order (the one the request's model names
#   first), the chosen target, and each excluded target with its reasons.
select(config, targets, model) := {
	"target": first_or_null(ordered),
	"targets": ordered,
	"excluded_targets": excluded,
} if {
	compliant := [target | some target in targets; count(target_reasons(config, target.data_policy)) == 0]
	ordered := preferred_first(compliant, model)
	excluded := [{"id": target.id, "reasons": sort_reasons(reasons)} |
		some target in targets
		reasons := target_reasons(config, target.data_policy)
		count(reasons) > 0
	]
}

sort_reasons(reasons) := sort(reasons)

first_or_null(ids) := ids[0]

first_or_null(ids) := null if count(ids) == 0

preferred_first(compliant, model) := array.concat(
	[target.id | some target in compliant; names_target(model, target)],
	[target.id | some target in compliant; not names_target(model, target)],
)

names_target(model, target) if model == target.id

names_target(model, target) if model == target.model

# METADATA
# description: The decision for a pack without data-routing-policy - every target, in order.
unrestricted(targets, model) := select({}, targets, model)

# METADATA
# description: The routing violation - no compliant target is a 409.
violations(decision) := {{
	"policy": "data-routing-policy",
	"code": "no_compliant_provider",
	"status": 409,
	"message": "no target complies with this route's data-routing-policy",
	"param": null,
} |
	count(decision.targets) == 0
}
