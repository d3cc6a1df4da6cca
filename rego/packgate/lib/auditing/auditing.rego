# METADATA
# title: audit-logger
# description: |
#   What the audit event records for a route, decided from the pack's audit-logger and
#   data-routing-policy settings: whether the route has an audit-logger, whether the provider
#   selection (target and excluded targets) goes into the event, and the retention period.
package packgate.lib.auditing

# METADATA
# description: |
#   The route's audit settings. logger and routing are the audit-logger and data-routing-policy
#   configurations, null when the policy is not in the chain.
settings(logger, routing) := {
	"enabled": is_object(logger),
	"log_provider_selection": logs_selection(routing),
	"retention_days": retention_days(logger),
}

# METADATA
# scope: document
# description: True when data-routing-policy asks for the provider selection in the audit event.
default logs_selection(_) := false

logs_selection(routing) if routing.log_provider_selection == true

# METADATA
# scope: document
# description: The audit-logger's retention period in days; null without an audit-logger.
default retention_days(_) := null

retention_days(logger) := logger.retention_days
