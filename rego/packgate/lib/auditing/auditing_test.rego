# METADATA
# title: Unit tests for packgate.lib.auditing
# description: The audit settings a route's decision carries.
package packgate.lib.auditing_test

import data.packgate.lib.auditing

test_settings_with_logger_and_logged_selection if {
	auditing.settings({"retention_days": 30}, {"log_provider_selection": true}) == {
		"enabled": true,
		"log_provider_selection": true,
		"retention_days": 30,
	}
}

test_settings_selection_not_logged_unless_asked if {
	auditing.settings({"retention_days": 30}, {"log_provider_selection": false}).log_provider_selection == false
	auditing.settings({"retention_days": 30}, {}).log_provider_selection == false
}

test_settings_without_routing_policy if {
	auditing.settings({"retention_days": 2190}, null).log_provider_selection == false
}

test_settings_without_audit_logger if {
	auditing.settings(null, {"log_provider_selection": true}) == {
		"enabled": false,
		"log_provider_selection": true,
		"retention_days": null,
	}
}
