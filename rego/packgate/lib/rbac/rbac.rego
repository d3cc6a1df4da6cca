# METADATA
# title: rbac
# description: |
#   Who may send what: required identity headers (401), verified identity when require_auth is
#   set (401), tools per role with "*" wildcards (403), a sensitivity ceiling per role (403) and
#   minimum-necessary PHI roles (403) when minimum_necessary is configured. A pack that names roles
#   refuses any other role (403 unknown_role); a named role without a tools entry gets no tools, and
#   without a data_access entry a "public" ceiling.
package packgate.lib.rbac

import data.packgate.lib.findings

# METADATA
# description: Required header names the request lacks (case-insensitive; blank counts as missing).
missing_headers(required, headers) := {name |
	some name in required
	not has_header(headers, name)
}

has_header(headers, name) if trim_space(headers[lower(name)]) != ""

# METADATA
# description: True when a role's tool lists let it use the tool; denied_tools wins over allowed_tools.
tool_allowed(role_tools, tool) if {
	listed(object.get(role_tools, "allowed_tools", []), tool)
	not listed(object.get(role_tools, "denied_tools", []), tool)
}

listed(names, _) if "*" in names

listed(names, name) if name in names

# METADATA
# description: Tools the request uses that the role may not use.
denied_tools(roles, role, tools) := {tool |
	some tool in tools
	not tool_allowed(object.get(roles, role, {}), tool)
}

# METADATA
# scope: document
# description: The role's sensitivity ceiling; "public" for a role without an entry.
ceiling(data_access, role) := data_access[role].max_sensitivity

ceiling(data_access, role) := "public" if not data_access[role]

# METADATA
# description: All rbac violations for one request (an object of the request input shape).
# scope: document
request_violations(config, request) := union({
	identity_violations(config, request),
	tool_violations(object.get(config, "roles", {}), request),
	sensitivity_violations(object.get(config, "data_access", {}), request),
	phi_violations(object.get(config, "minimum_necessary", {}), request),
}) if {
	known_role(config, request.identity.role)
} else := identity_violations(config, request) | {violation(
	"unknown_role", 403,
	sprintf("role %s is not permitted on this route", [request.identity.role]),
	request.identity.role,
)}

tool_violations(roles, request) := {violation(
	"tool_not_allowed", 403,
	sprintf("role %s may not use tool %s", [request.identity.role, tool]),
	tool,
) |
	some tool in denied_tools(roles, request.identity.role, request.tools)
}

# METADATA
# description: |
#   Missing headers (401) and, with require_auth, a bearer token that failed verification (401
#   invalid_token, the gateway's reason code deciding the message) or no verified identity at all
#   (401 unauthenticated).
identity_violations(config, request) := (missing | invalid) | unauthenticated if {
	missing := {violation("missing_header", 401, sprintf("required header %s is missing", [name]), name) |
		some name in missing_headers(object.get(config, "deny_if_missing", []), request.headers)
	}
	invalid := {violation("invalid_token", 401, token_message(request.identity), "authorization") |
		config.require_auth == true
		request.identity.token == "invalid"
	}
	unauthenticated := {violation("unauthenticated", 401, "a verified bearer token is required", "Authorization") |
		config.require_auth == true
		not request.identity.verified == true
		not request.identity.token == "invalid"
	}
}

# METADATA
# description: Why a presented bearer token failed, by the gateway's reason code (never the token).
token_errors := {
	"malformed": "Authorization must be 'Bearer <jwt>'",
	"expired": "token expired",
	"not_yet_valid": "token is not yet valid",
	"bad_signature": "token signature does not verify",
	"wrong_algorithm": "token is not signed with this route's algorithm",
	"wrong_issuer": "token issuer is not accepted on this route",
	"wrong_audience": "token audience is not accepted on this route",
	"missing_claim": "token lacks a required claim",
	"lifetime_exceeded": "token lifetime exceeds the maximum",
}

# METADATA
# scope: document
# description: The message for an invalid token; "token rejected" for a reason without its own message.
token_message(identity) := token_errors[identity.token_error]

token_message(identity) := "token rejected" if not token_errors[identity.token_error]

# METADATA
# description: Every role the pack names - in roles, data_access or minimum_necessary.allowed_phi_roles.
named_roles(config) := union({
	object.keys(object.get(config, "roles", {})),
	object.keys(object.get(config, "data_access", {})),
	{role | some role in object.get(object.get(config, "minimum_necessary", {}), "allowed_phi_roles", [])},
})

# METADATA
# scope: document
# description: True when the pack names the role, or names no roles at all.
known_role(config, role) if role in named_roles(config)

known_role(config, _) if count(named_roles(config)) == 0

sensitivity_violations(data_access, request) := {violation(
	"sensitivity_exceeds_role", 403,
	sprintf("%s data exceeds the %s ceiling of role %s", [tier, limit, request.identity.role]),
	tier,
) |
	count(data_access) > 0
	tier := findings.sensitivity(request.sensitivity, request.findings).effective
	limit := ceiling(data_access, request.identity.role)
	findings.tier_rank(tier) > findings.tier_rank(limit)
}

phi_violations(minimum_necessary, request) := {violation(
	"phi_not_permitted_for_role", 403,
	sprintf("role %s may not send PHI on this route", [request.identity.role]),
	request.identity.role,
) |
	count(minimum_necessary) > 0
	object.get(minimum_necessary, "enabled", true) == true
	findings.phi_found(request.findings)
	not request.identity.role in object.get(minimum_necessary, "allowed_phi_roles", [])
}

# METADATA
# description: rbac violations for the model's output - tool calls the role may not make.
response_violations(config, response) := {violation(
	"tool_not_allowed", 403,
	sprintf("the model called tool %s, which role %s may not use", [tool, response.identity.role]),
	tool,
) |
	some tool in denied_tools(object.get(config, "roles", {}), response.identity.role, response.output.tool_calls)
}

violation(code, status, message, param) := {
	"policy": "rbac",
	"code": code,
	"status": status,
	"message": message,
	"param": param,
}
