# METADATA
# title: Unit tests for packgate.lib.routing
# description: Each data-routing requirement, target selection and failover order, no compliant target.
package packgate.lib.routing_test

import data.packgate.lib.routing

# METADATA
# description: |
#   The boolean requirements, written out independently of the library: the option, the
#   data_policy field a target must declare and the value it must declare, and the reason code.
boolean_requirements := [
	{"option": "require_zero_data_retention", "field": "zero_data_retention", "code": "zero_data_retention_required"},
	{"option": "require_training_opt_out", "field": "training_opt_out", "code": "training_opt_out_required"},
	{"option": "require_in_memory_only", "field": "in_memory_only", "code": "in_memory_only_required"},
	{"option": "local_only_processing", "field": "local_only_processing", "code": "local_only_processing_required"},
	{"option": "sanitize_before_provider", "field": "sanitized", "code": "sanitized_required"},
	{"option": "tokenize_sensitive_fields", "field": "accepts_tokenized_input", "code": "tokenized_input_required"},
]

local_target := {
	"id": "local-llama",
	"provider": "ollama",
	"model": "llama3.1:70b",
	"base_url": "http://localhost:11434",
	"data_policy": {"zero_data_retention": true, "retention_days": 0, "allow_internet_egress": false},
}

second_local_target := {
	"id": "local-mistral",
	"provider": "ollama",
	"model": "mistral:7b",
	"base_url": "http://localhost:11435",
	"data_policy": {"zero_data_retention": true, "retention_days": 0, "allow_internet_egress": false},
}

cloud_target := {
	"id": "cloud-gpt",
	"provider": "openai",
	"model": "gpt-4o",
	"base_url": "https://api.example.com/v1",
	"data_policy": {"retention_days": 30, "allow_internet_egress": true},
}

strict_config := {"require_zero_data_retention": true, "allow_internet_egress": false, "max_retention_days": 0}

reason_codes(reasons) := {reason.code | some reason in reasons}

test_target_reasons_each_boolean_requirement_met_by_declaring_true if {
	every requirement in boolean_requirements {
		routing.target_reasons({requirement.option: true}, {requirement.field: true}) == set()
	}
}

test_target_reasons_each_boolean_requirement_unmet_when_undeclared if {
	every requirement in boolean_requirements {
		reason_codes(routing.target_reasons({requirement.option: true}, {})) == {requirement.code}
	}
}

test_target_reasons_each_boolean_requirement_unmet_when_declared_false if {
	every requirement in boolean_requirements {
		reason_codes(routing.target_reasons({requirement.option: true}, {requirement.field: false})) == {requirement.code}
	}
}

test_target_reasons_each_boolean_requirement_off if {
	every requirement in boolean_requirements {
		routing.target_reasons({requirement.option: false}, {requirement.field: false}) == set()
	}
}

test_target_reasons_reason_has_code_and_message if {
	routing.target_reasons({"require_zero_data_retention": true}, {}) == {{
		"code": "zero_data_retention_required",
		"message": "target does not declare zero_data_retention: true",
	}}
}

test_target_reasons_no_requirements if {
	routing.target_reasons({}, {}) == set()
}

test_target_reasons_egress_forbidden_met_by_declaring_false if {
	routing.target_reasons({"allow_internet_egress": false}, {"allow_internet_egress": false}) == set()
}

test_target_reasons_egress_forbidden_unmet_when_declared_true if {
	reasons := routing.target_reasons({"allow_internet_egress": false}, {"allow_internet_egress": true})
	reasons == {{"code": "internet_egress_forbidden", "message": "target does not declare allow_internet_egress: false"}}
}

test_target_reasons_egress_forbidden_unmet_when_undeclared if {
	reason_codes(routing.target_reasons({"allow_internet_egress": false}, {})) == {"internet_egress_forbidden"}
}

test_target_reasons_egress_allowed_is_no_requirement if {
	routing.target_reasons({"allow_internet_egress": true}, {"allow_internet_egress": true}) == set()
}

test_target_reasons_egress_absent_is_no_requirement if {
	routing.target_reasons({}, {"allow_internet_egress": true}) == set()
}

test_target_reasons_retention_equal_to_the_maximum_passes if {
	routing.target_reasons({"max_retention_days": 30}, {"retention_days": 30}) == set()
}

test_target_reasons_retention_below_the_maximum_passes if {
	routing.target_reasons({"max_retention_days": 30}, {"retention_days": 0}) == set()
}

test_target_reasons_retention_above_the_maximum_fails if {
	reasons := routing.target_reasons({"max_retention_days": 30}, {"retention_days": 31})
	reasons == {{
		"code": "retention_too_long",
		"message": "target retention_days is undeclared or above max_retention_days",
	}}
}

test_target_reasons_retention_undeclared_fails if {
	reason_codes(routing.target_reasons({"max_retention_days": 30}, {})) == {"retention_too_long"}
}

test_target_reasons_zero_maximum_allows_zero_retention_only if {
	routing.target_reasons({"max_retention_days": 0}, {"retention_days": 0}) == set()
	reason_codes(routing.target_reasons({"max_retention_days": 0}, {"retention_days": 1})) == {"retention_too_long"}
}

test_target_reasons_no_maximum_is_no_requirement if {
	routing.target_reasons({}, {"retention_days": 3650}) == set()
}

test_target_reasons_every_failed_requirement if {
	reason_codes(routing.target_reasons(strict_config, cloud_target.data_policy)) == {
		"zero_data_retention_required", "internet_egress_forbidden", "retention_too_long",
	}
}

test_select_excludes_non_compliant_targets_with_sorted_reasons if {
	routing.select(strict_config, [cloud_target, local_target], null) == {
		"target": "local-llama",
		"targets": ["local-llama"],
		"excluded_targets": [{"id": "cloud-gpt", "reasons": [
			{"code": "internet_egress_forbidden", "message": "target does not declare allow_internet_egress: false"},
			{"code": "retention_too_long", "message": "target retention_days is undeclared or above max_retention_days"},
			{"code": "zero_data_retention_required", "message": "target does not declare zero_data_retention: true"},
		]}],
	}
}

test_select_keeps_failover_order_without_a_model if {
	decision := routing.select(strict_config, [local_target, cloud_target, second_local_target], null)
	decision.targets == ["local-llama", "local-mistral"]
	decision.target == "local-llama"
}

test_select_prefers_the_target_the_model_names_by_id if {
	decision := routing.select(strict_config, [local_target, second_local_target], "local-mistral")
	decision.targets == ["local-mistral", "local-llama"]
	decision.target == "local-mistral"
}

test_select_prefers_the_target_the_model_names_by_model_name if {
	decision := routing.select(strict_config, [local_target, second_local_target], "mistral:7b")
	decision.target == "local-mistral"
}

test_select_ignores_a_model_naming_an_excluded_target if {
	decision := routing.select(strict_config, [local_target, cloud_target], "gpt-4o")
	decision.target == "local-llama"
	decision.targets == ["local-llama"]
}

test_select_ignores_a_model_naming_no_target if {
	decision := routing.select(strict_config, [local_target, second_local_target], "unknown-model")
	decision.targets == ["local-llama", "local-mistral"]
}

test_select_no_compliant_target if {
	decision := routing.select(strict_config, [cloud_target], null)
	decision.target == null
	decision.targets == []
	[excluded.id | some excluded in decision.excluded_targets] == ["cloud-gpt"]
}

test_select_target_without_declarations_is_excluded if {
	bare := {"id": "bare", "provider": "openai", "model": "m", "base_url": "http://127.0.0.1:1", "data_policy": {}}
	decision := routing.select(strict_config, [bare], null)
	decision.targets == []
	reason_codes(decision.excluded_targets[0].reasons) == {
		"zero_data_retention_required", "internet_egress_forbidden", "retention_too_long",
	}
}

test_unrestricted_routes_to_every_target_in_order if {
	routing.unrestricted([cloud_target, local_target], null) == {
		"target": "cloud-gpt",
		"targets": ["cloud-gpt", "local-llama"],
		"excluded_targets": [],
	}
}

test_unrestricted_prefers_the_named_target if {
	routing.unrestricted([cloud_target, local_target], "llama3.1:70b").target == "local-llama"
}

test_violations_no_compliant_provider if {
	routing.violations(routing.select(strict_config, [cloud_target], null)) == {{
		"policy": "data-routing-policy",
		"code": "no_compliant_provider",
		"status": 409,
		"message": "no target complies with this route's data-routing-policy",
		"param": null,
	}}
}

test_violations_none_with_a_compliant_target if {
	routing.violations(routing.select(strict_config, [cloud_target, local_target], null)) == set()
}
