# METADATA
# title: Unit tests for packgate.lib.findings
# description: Tiers, the PHI category list, inferred and effective sensitivity.
package packgate.lib.findings_test

import data.packgate.lib.findings

name_found := {"policy": "hipaa-phi-detector", "category": "NAME", "count": 2}

card_found := {"policy": "pii-detector", "category": "CREDIT_CARD", "count": 1}

name_not_found := {"policy": "hipaa-phi-detector", "category": "NAME", "count": 0}

test_tiers_are_ordered_least_to_most_sensitive if {
	findings.tiers == ["public", "internal", "confidential", "restricted"]
}

test_tier_rank_of_each_tier if {
	findings.tier_rank("public") == 0
	findings.tier_rank("internal") == 1
	findings.tier_rank("confidential") == 2
	findings.tier_rank("restricted") == 3
}

test_tier_rank_of_an_unknown_tier_is_undefined if {
	not findings.tier_rank("top-secret")
}

test_tier_rank_is_case_sensitive if {
	not findings.tier_rank("Restricted")
}

test_is_phi_for_safe_harbor_and_healthcare_categories if {
	every category in {"NAME", "LOCATION", "DATE", "AGE_OVER_89", "SSN", "MRN", "HEALTH_PLAN_ID", "NPI", "DEA", "EMAIL"} {
		findings.is_phi(category)
	}
}

test_is_phi_for_an_unknown_category if {
	findings.is_phi("CUSTOMER_ID")
}

test_is_phi_not_for_credit_card if {
	not findings.is_phi("CREDIT_CARD")
}

test_is_phi_not_for_cvv if {
	not findings.is_phi("CVV")
}

test_is_phi_not_for_custom_categories if {
	not findings.is_phi("CUSTOM_BADGE_ID")
}

test_phi_found_with_a_phi_finding if {
	findings.phi_found([card_found, name_found])
}

test_phi_found_not_for_payment_findings_only if {
	not findings.phi_found([card_found])
}

test_phi_found_not_for_a_zero_count if {
	not findings.phi_found([name_not_found])
}

test_phi_found_not_without_findings if {
	not findings.phi_found([])
}

test_policy_categories_of_one_policy if {
	found := [
		name_found,
		{"policy": "hipaa-phi-detector", "category": "SSN", "count": 1},
		{"policy": "hipaa-phi-detector", "category": "DATE", "count": 0},
		{"policy": "pii-detector", "category": "EMAIL", "count": 1},
	]
	findings.policy_categories(found, "hipaa-phi-detector") == {"NAME", "SSN"}
}

test_policy_categories_empty_for_a_policy_that_found_nothing if {
	findings.policy_categories([name_found], "pii-detector") == set()
}

test_inferred_tier_public_without_findings if {
	findings.inferred_tier([]) == "public"
}

test_inferred_tier_public_when_every_count_is_zero if {
	findings.inferred_tier([name_not_found]) == "public"
}

test_inferred_tier_confidential_for_payment_findings if {
	findings.inferred_tier([card_found]) == "confidential"
}

test_inferred_tier_confidential_for_custom_findings if {
	findings.inferred_tier([{"policy": "pii-detector", "category": "CUSTOM_BADGE_ID", "count": 1}]) == "confidential"
}

test_inferred_tier_restricted_for_phi if {
	findings.inferred_tier([card_found, name_found]) == "restricted"
}

test_invalid_declared_false_when_nothing_is_declared if {
	findings.invalid_declared(null) == false
}

test_invalid_declared_false_for_a_known_tier if {
	findings.invalid_declared("confidential") == false
}

test_invalid_declared_for_an_unknown_tier if {
	findings.invalid_declared("top-secret")
}

test_invalid_declared_for_an_empty_tier if {
	findings.invalid_declared("")
}

test_sensitivity_inferred_when_nothing_is_declared if {
	findings.sensitivity(null, [name_found]) == {"declared": null, "inferred": "restricted", "effective": "restricted"}
}

test_sensitivity_declared_tier_above_the_inferred_one_wins if {
	findings.sensitivity("internal", []) == {"declared": "internal", "inferred": "public", "effective": "internal"}
}

test_sensitivity_declaring_a_lower_tier_does_not_lower_the_findings if {
	findings.sensitivity("public", [name_found]).effective == "restricted"
}

test_sensitivity_equal_declared_and_inferred_tiers if {
	findings.sensitivity("confidential", [card_found]).effective == "confidential"
}

test_sensitivity_unknown_declared_tier_falls_back_to_the_inferred_one if {
	findings.sensitivity("top-secret", [card_found]).effective == "confidential"
}
