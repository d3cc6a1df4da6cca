# METADATA
# title: data-routing-policy
# description: |
#   Which targets may receive this route's data. Every option is a requirement on a target's
#   declared data_policy; a target that does not declare a field does not meet a requirement on
#   it. Non-compliant targets are excluded with reasons; no compliant target is a 409.
package packgate.lib.routing

# METADATA
# description: Why a target's data_policy fails the requirements (empty when it complies).
target_reasons(config, data_policy) := {{"code": check.code, "message": check.message} |
	# A boolean requirement is active when the option is set to the value the target must declare
	# (allow_internet_egress: false forbids egress; true or absent allows it); the target meets it
	# by declaring that value.
	some check in checks
	check.want != null
	config[check.option] == check.want
	not data_policy[check.field] == check.want
} | {{"code": check.code, "message": check.message} |
	# A limit (want null) is active when the option is a number; the target meets it by declaring
	# a number no greater than the option.
	some check in checks
	check.want == null
	is_number(config[check.option])
	not within(data_policy, check.field, config[check.option])
}

within(data_policy, field, limit) if {
	is_number(data_policy[field])
	data_policy[field] <= limit
}

# METADATA
# description: |
#   The requirements table, one row per option: the data_policy field it constrains, the value a
#   target must declare (null: a number no greater than the option) and the exclusion reason. It is
#   data (data.json beside this file), read also by the compiler's generated-test oracle, so it
#   exists once. (Regal cannot see data files, hence the ignore.)
checks := data.packgate.lib.routing.requirements # regal ignore:unresolved-reference

# METADATA
# description: |
#   The routing decision: compliant targets in failover order (the one the request's model names
#   first), the chosen target, and each excluded target with its reasons.
select(config, targets, model) := decide(
	[[target, target_reasons(config, target.data_policy)] | some target in targets],
	model,
)

# METADATA
# description: |
#   The routing decision from screened targets ([target, reasons] pairs, in pack order): what
#   select decides once each target's reasons are known. Generated packs screen with their
#   requirements written out and call this.
decide(screened, model) := {
	"target": first_or_null(ordered),
	"targets": ordered,
	"excluded_targets": excluded,
} if {
	ordered := array.concat(
		[target.id | some [target, reasons] in screened; count(reasons) == 0; names_target(model, target)],
		[target.id | some [target, reasons] in screened; count(reasons) == 0; not names_target(model, target)],
	)
	excluded := [{"id": target.id, "reasons": sort(reasons)} |
		some [target, reasons] in screened
		count(reasons) > 0
	]
}

first_or_null(ids) := ids[0]

first_or_null(ids) := null if count(ids) == 0

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
