# METADATA
# title: prompt-guard
# description: |
#   The route's system prompt is pinned and sent first. Client system and developer messages are
#   refused (422 system_message_not_allowed), replaced by the pinned prompt, or kept after it.
#   Prompt-injection findings (instruction overrides, persona jailbreaks, prompt extraction,
#   delimiter and encoded payloads) in user messages or tool results are blocked (409
#   prompt_injection) or flagged in the audit event.
package packgate.lib.guard

# METADATA
# description: The request violations of prompt-guard for the gateway's safeguard facts.
request_violations(config, facts) := system_refusal(config, facts) | injection_block(config, facts)

system_refusal(config, facts) := {{
	"policy": "prompt-guard",
	"code": "system_message_not_allowed",
	"status": 422,
	"message": "this route does not accept system or developer messages from clients",
	"param": "messages",
} |
	config.client_system_messages == "refuse"
	facts.system_messages > 0
}

injection_block(config, facts) := {{
	"policy": "prompt-guard",
	"code": "prompt_injection",
	"status": 409,
	"message": sprintf("prompt injection detected (%s); nothing was forwarded", [concat(", ", injections(facts))]),
	"param": "messages",
} |
	config.injection == "block"
	count(injections(facts)) > 0
}

# METADATA
# description: Injection categories with their source (user or tool), sorted, e.g. "instruction_override in tool".
injections(facts) := sort({sprintf("%s in %s", [f.category, f.source]) | some f in facts.injection})

# METADATA
# description: What the gateway does to the messages, and the injection findings a flag route records.
plan(config, facts) := {
	"system_prompt": object.get(config, "system_prompt", null),
	"drop_client_system": config.client_system_messages == "replace",
	"flagged": flagged(config, facts),
}

flagged(config, facts) := injections(facts) if config.injection == "flag"

else := []
