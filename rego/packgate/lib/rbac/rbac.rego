# METADATA
# title: rbac
# description: |
#   Who may send what: required identity headers (401), verified identity when require_auth is
#   set (401), tools per role with "*" wildcards (403), a sensitivity ceiling per role (403) and
#   minimum-necessary PHI roles (403) when minimum_necessary is configured. Roles without an entry
#   get least privilege: no tools, and a "public" ceiling when data_access is configured.
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
request_violations(config, request) := (((missing | unauthenticated) | tool_denials) | over_ceiling) | phi_denied if {
	missing := {violation("missing_header", 401, sprintf("required header %s is missing", [name]), name) |
		some name in missing_headers(object.get(config, "deny_if_missing", []), request.headers)
	}
	unauthenticated := {violation("unauthenticated", 401, "a verified bearer token is required", "Authorization") |
		config.require_auth == true
		not request.identity.verified == true
	}
	tool_denials := {violation(
		"tool_not_allowed", 403,
		sprintf("role %s may not use tool %s", [request.identity.role, tool]),
		tool,
	) |
		some tool in denied_tools(object.get(config, "roles", {}), request.identity.role, request.tools)
	}
	over_ceiling := sensitivity_violations(object.get(config, "data_access", {}), request)
	phi_denied := phi_violations(object.get(config, "minimum_necessary", {}), request)
}

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
