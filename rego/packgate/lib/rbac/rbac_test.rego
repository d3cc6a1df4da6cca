# METADATA
# title: Unit tests for packgate.lib.rbac
# description: Required headers, require_auth, tools per role, sensitivity ceilings and minimum necessary.
package packgate.lib.rbac_test

import data.packgate.lib.rbac

# METADATA
# description: An rbac configuration as the compiler emits it, with every option set.
config := {
	"deny_if_missing": ["X-User-ID", "X-User-Role"],
	"roles": {
		"clinician": {"allowed_tools": ["summarize", "extract_risk_factors"], "denied_tools": []},
		"privacy-officer": {"allowed_tools": ["*"], "denied_tools": ["delete_record"]},
	},
	"data_access": {
		"clinician": {"max_sensitivity": "restricted"},
		"privacy-officer": {"max_sensitivity": "confidential"},
		"scheduler": {"max_sensitivity": "internal"},
	},
	"minimum_necessary": {"enabled": true, "allowed_phi_roles": ["clinician"]},
	"require_auth": false,
}

# METADATA
# description: A request from a clinician that every rbac check allows.
allowed_request := {
	"identity": {"user_id": "u-17", "role": "clinician", "verified": false, "method": "header"},
	"headers": {"x-user-id": "u-17", "x-user-role": "clinician"},
	"tools": ["summarize"],
	"sensitivity": null,
	"findings": [],
}

# METADATA
# description: The configuration with the scheduler's ceiling raised to restricted.
scheduler_sees_restricted := object.union(config, {"data_access": {"scheduler": {"max_sensitivity": "restricted"}}})

phi_finding := {"policy": "hipaa-phi-detector", "category": "NAME", "count": 1}

as_role(request, role) := object.union(request, {"identity": {"role": role}, "headers": {"x-user-role": role}})

codes(violations) := {violation.code | some violation in violations}

test_missing_headers_none_missing if {
	rbac.missing_headers(["X-User-ID", "X-User-Role"], allowed_request.headers) == set()
}

test_missing_headers_names_the_configured_spelling if {
	rbac.missing_headers(["X-User-ID", "X-User-Role"], {"x-user-id": "u-17"}) == {"X-User-Role"}
}

test_missing_headers_match_case_insensitively if {
	rbac.missing_headers(["x-USER-id"], {"x-user-id": "u-17"}) == set()
}

test_missing_headers_count_an_empty_value_as_missing if {
	rbac.missing_headers(["X-User-ID"], {"x-user-id": ""}) == {"X-User-ID"}
}

test_missing_headers_count_a_blank_value_as_missing if {
	rbac.missing_headers(["X-User-ID"], {"x-user-id": " \t "}) == {"X-User-ID"}
}

test_missing_headers_none_required if {
	rbac.missing_headers([], {}) == set()
}

test_tool_allowed_when_listed if {
	rbac.tool_allowed(config.roles.clinician, "summarize")
}

test_tool_allowed_not_when_unlisted if {
	not rbac.tool_allowed(config.roles.clinician, "delete_record")
}

test_tool_allowed_any_tool_with_wildcard if {
	rbac.tool_allowed(config.roles["privacy-officer"], "export_chart")
}

test_tool_allowed_denied_tools_override_wildcard if {
	not rbac.tool_allowed(config.roles["privacy-officer"], "delete_record")
}

test_tool_allowed_denied_wildcard_overrides_allowed_tools if {
	not rbac.tool_allowed({"allowed_tools": ["summarize"], "denied_tools": ["*"]}, "summarize")
}

test_tool_allowed_not_without_tool_lists if {
	not rbac.tool_allowed({}, "summarize")
}

test_denied_tools_of_a_role if {
	rbac.denied_tools(config.roles, "clinician", ["summarize", "delete_record"]) == {"delete_record"}
}

test_denied_tools_role_without_an_entry_gets_no_tools if {
	rbac.denied_tools(config.roles, "visitor", ["summarize"]) == {"summarize"}
}

test_denied_tools_none_used if {
	rbac.denied_tools(config.roles, "visitor", []) == set()
}

test_ceiling_of_a_role_with_an_entry if {
	rbac.ceiling(config.data_access, "scheduler") == "internal"
}

test_ceiling_of_a_role_without_an_entry_is_public if {
	rbac.ceiling(config.data_access, "visitor") == "public"
}

test_request_violations_none_for_an_allowed_request if {
	rbac.request_violations(config, allowed_request) == set()
}

test_request_violations_missing_header if {
	request := object.union(allowed_request, {"headers": {"x-user-id": " "}})
	rbac.request_violations(config, request) == {{
		"policy": "rbac",
		"code": "missing_header",
		"status": 401,
		"message": "required header X-User-ID is missing",
		"param": "X-User-ID",
	}}
}

test_request_violations_missing_headers_without_deny_if_missing if {
	request := object.union(allowed_request, {"headers": {"x-user-id": ""}})
	rbac.request_violations(object.remove(config, ["deny_if_missing"]), request) == set()
}

test_request_violations_require_auth_unverified if {
	rbac.request_violations(object.union(config, {"require_auth": true}), allowed_request) == {{
		"policy": "rbac",
		"code": "unauthenticated",
		"status": 401,
		"message": "a verified bearer token is required",
		"param": "Authorization",
	}}
}

test_request_violations_require_auth_without_verified_field if {
	request := object.union(allowed_request, {"identity": {"role": "clinician"}})
	unverified := json.patch(request, [{"op": "remove", "path": "/identity/verified"}])
	codes(rbac.request_violations(object.union(config, {"require_auth": true}), unverified)) == {"unauthenticated"}
}

test_request_violations_require_auth_verified if {
	request := object.union(allowed_request, {"identity": {"verified": true, "method": "jwt"}})
	rbac.request_violations(object.union(config, {"require_auth": true}), request) == set()
}

test_request_violations_require_auth_invalid_token_names_the_reason if {
	request := object.union(allowed_request, {"identity": {"method": "jwt", "token": "invalid", "token_error": "expired"}})
	rbac.request_violations(object.union(config, {"require_auth": true}), request) == {{
		"policy": "rbac",
		"code": "invalid_token",
		"status": 401,
		"message": "token expired",
		"param": "authorization",
	}}
}

test_request_violations_require_auth_invalid_token_unknown_reason if {
	request := object.union(allowed_request, {"identity": {"token": "invalid", "token_error": "something-new"}})
	some violation in rbac.request_violations(object.union(config, {"require_auth": true}), request)
	violation.code == "invalid_token"
	violation.message == "token rejected"
}

test_request_violations_invalid_token_ignored_without_require_auth if {
	request := object.union(allowed_request, {"identity": {"token": "invalid", "token_error": "bad_signature"}})
	rbac.request_violations(object.remove(config, ["require_auth"]), request) == set()
}

test_request_violations_require_auth_off_ignores_verification if {
	rbac.request_violations(object.remove(config, ["require_auth"]), allowed_request) == set()
}

test_request_violations_tool_not_allowed if {
	request := object.union(allowed_request, {"tools": ["summarize", "delete_record"]})
	rbac.request_violations(config, request) == {{
		"policy": "rbac",
		"code": "tool_not_allowed",
		"status": 403,
		"message": "role clinician may not use tool delete_record",
		"param": "delete_record",
	}}
}

test_request_violations_wildcard_allows_any_tool if {
	request := object.union(as_role(allowed_request, "privacy-officer"), {"tools": ["export_chart"]})
	rbac.request_violations(config, request) == set()
}

test_request_violations_denied_tool_overrides_wildcard if {
	request := object.union(as_role(allowed_request, "privacy-officer"), {"tools": ["delete_record"]})
	codes(rbac.request_violations(config, request)) == {"tool_not_allowed"}
}

test_request_violations_role_without_an_entry_may_use_no_tool if {
	violations := rbac.request_violations(config, as_role(allowed_request, "scheduler"))
	codes(violations) == {"tool_not_allowed"}
}

test_request_violations_unknown_role_is_refused if {
	request := object.union(as_role(allowed_request, "visitor"), {"tools": []})
	rbac.request_violations(config, request) == {{
		"policy": "rbac",
		"code": "unknown_role",
		"status": 403,
		"message": "role visitor is not permitted on this route",
		"param": "visitor",
	}}
}

test_request_violations_blank_role_is_unknown if {
	request := object.union(as_role(allowed_request, ""), {"tools": []})
	codes(rbac.request_violations(config, request)) == {"missing_header", "unknown_role"}
}

test_request_violations_role_named_only_in_allowed_phi_roles_is_known if {
	request := object.union(as_role(allowed_request, "visitor"), {"tools": []})
	rbac.request_violations(phi_visitor, request) == set()
}

test_request_violations_any_role_when_the_pack_names_none if {
	request := object.union(as_role(allowed_request, "visitor"), {"tools": []})
	rbac.request_violations({"deny_if_missing": ["X-User-ID"]}, request) == set()
}

test_request_violations_sensitivity_exceeds_role if {
	request := object.union(as_role(allowed_request, "scheduler"), {"tools": [], "sensitivity": "confidential"})
	rbac.request_violations(config, request) == {{
		"policy": "rbac",
		"code": "sensitivity_exceeds_role",
		"status": 403,
		"message": "confidential data exceeds the internal ceiling of role scheduler",
		"param": "confidential",
	}}
}

test_request_violations_sensitivity_at_the_ceiling if {
	request := object.union(as_role(allowed_request, "scheduler"), {"tools": [], "sensitivity": "internal"})
	rbac.request_violations(config, request) == set()
}

test_request_violations_role_without_data_access_has_a_public_ceiling if {
	request := object.union(as_role(allowed_request, "visitor"), {"tools": [], "sensitivity": "internal"})
	violations := rbac.request_violations(phi_visitor, request)
	codes(violations) == {"sensitivity_exceeds_role"}
	some violation in violations
	violation.message == "internal data exceeds the public ceiling of role visitor"
}

test_request_violations_role_without_data_access_may_send_public_data if {
	request := object.union(as_role(allowed_request, "visitor"), {"tools": [], "sensitivity": "public"})
	rbac.request_violations(phi_visitor, request) == set()
}

phi_visitor := object.union(
	config,
	{"minimum_necessary": {"enabled": true, "allowed_phi_roles": ["clinician", "visitor"]}},
)

test_request_violations_findings_beat_a_lower_declared_tier if {
	request := object.union(
		as_role(allowed_request, "privacy-officer"),
		{"sensitivity": "public", "findings": [phi_finding]},
	)
	violations := rbac.request_violations(object.remove(config, ["minimum_necessary"]), request)
	codes(violations) == {"sensitivity_exceeds_role"}
	some violation in violations
	violation.param == "restricted"
}

test_request_violations_no_ceiling_without_data_access if {
	request := object.union(as_role(allowed_request, "privacy-officer"), {"tools": [], "sensitivity": "restricted"})
	rbac.request_violations(object.remove(config, ["data_access"]), request) == set()
}

test_request_violations_phi_not_permitted_for_role if {
	request := object.union(as_role(allowed_request, "scheduler"), {"tools": [], "findings": [phi_finding]})
	rbac.request_violations(scheduler_sees_restricted, request) == {{
		"policy": "rbac",
		"code": "phi_not_permitted_for_role",
		"status": 403,
		"message": "role scheduler may not send PHI on this route",
		"param": "scheduler",
	}}
}

test_request_violations_phi_permitted_for_an_allowed_role if {
	request := object.union(allowed_request, {"findings": [phi_finding]})
	rbac.request_violations(config, request) == set()
}

test_request_violations_non_phi_findings_need_no_phi_role if {
	request := object.union(
		as_role(allowed_request, "privacy-officer"),
		{"findings": [{"policy": "pii-detector", "category": "CVV", "count": 1}]},
	)
	rbac.request_violations(config, request) == set()
}

test_request_violations_minimum_necessary_disabled if {
	request := object.union(as_role(allowed_request, "scheduler"), {"tools": [], "findings": [phi_finding]})
	settings := object.union(scheduler_sees_restricted, {"minimum_necessary": {"enabled": false}})
	rbac.request_violations(settings, request) == set()
}

test_request_violations_minimum_necessary_not_configured if {
	request := object.union(as_role(allowed_request, "privacy-officer"), {"tools": [], "findings": [phi_finding]})
	rbac.request_violations(object.remove(config, ["minimum_necessary", "data_access"]), request) == set()
}

test_request_violations_minimum_necessary_enabled_by_default if {
	request := object.union(as_role(allowed_request, "privacy-officer"), {"tools": [], "findings": [phi_finding]})
	settings := object.union(config, {"minimum_necessary": {"allowed_phi_roles": ["clinician"]}})
	codes(rbac.request_violations(object.remove(settings, ["data_access"]), request)) == {"phi_not_permitted_for_role"}
}

test_request_violations_unknown_role_gets_identity_violations_and_unknown_role_only if {
	request := {
		"identity": {"user_id": "", "role": "visitor", "verified": false, "method": "header"},
		"headers": {},
		"tools": ["summarize"],
		"sensitivity": "internal",
		"findings": [phi_finding],
	}
	codes(rbac.request_violations(object.union(config, {"require_auth": true}), request)) == {
		"missing_header", "unauthenticated", "unknown_role",
	}
}

test_request_violations_every_kind_at_once if {
	request := {
		"identity": {"user_id": "", "role": "scheduler", "verified": false, "method": "header"},
		"headers": {},
		"tools": ["summarize"],
		"sensitivity": "internal",
		"findings": [phi_finding],
	}
	codes(rbac.request_violations(object.union(config, {"require_auth": true}), request)) == {
		"missing_header", "unauthenticated", "tool_not_allowed",
		"sensitivity_exceeds_role", "phi_not_permitted_for_role",
	}
}

test_response_violations_none_for_allowed_tool_calls if {
	response := {"identity": allowed_request.identity, "output": {"text": "", "tool_calls": ["summarize"]}}
	rbac.response_violations(config, response) == set()
}

test_response_violations_none_without_tool_calls if {
	response := {"identity": allowed_request.identity, "output": {"text": "", "tool_calls": []}}
	rbac.response_violations(config, response) == set()
}

test_response_violations_tool_call_not_allowed if {
	response := {"identity": allowed_request.identity, "output": {"text": "", "tool_calls": ["delete_record"]}}
	rbac.response_violations(config, response) == {{
		"policy": "rbac",
		"code": "tool_not_allowed",
		"status": 403,
		"message": "the model called tool delete_record, which role clinician may not use",
		"param": "delete_record",
	}}
}

test_response_violations_denied_tool_call_overrides_wildcard if {
	identity := object.union(allowed_request.identity, {"role": "privacy-officer"})
	response := {"identity": identity, "output": {"text": "", "tool_calls": ["export_chart", "delete_record"]}}
	codes(rbac.response_violations(config, response)) == {"tool_not_allowed"}
}
