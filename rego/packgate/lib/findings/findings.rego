# METADATA
# title: Detector findings
# description: |
#   Facts the gateway's detectors report (category and count per policy, never values),
#   and what they imply: whether PHI is present and the sensitivity tier it implies.
package packgate.lib.findings

# METADATA
# description: Sensitivity tiers, least to most sensitive.
tiers := ["public", "internal", "confidential", "restricted"]

# METADATA
# description: Categories that are not PHI (payment data); custom pattern categories start with CUSTOM_.
non_phi_categories := {"CREDIT_CARD", "CVV"}

# METADATA
# description: Rank of each tier, its index in tiers - a lookup, not a scan, as this runs on every request.
tier_ranks := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}

# METADATA
# description: Rank of a tier (0 public .. 3 restricted); undefined for unknown names.
tier_rank(tier) := tier_ranks[tier]

# METADATA
# description: True when the category is protected health information.
is_phi(category) if {
	not category in non_phi_categories
	not startswith(category, "CUSTOM_")
}

# METADATA
# description: True when any finding is PHI.
phi_found(findings) if {
	some finding in findings
	finding.count > 0
	category := finding.category
	not category in non_phi_categories
	not startswith(category, "CUSTOM_")
}

# METADATA
# description: The categories one policy found, as a set.
policy_categories(findings, policy) := {finding.category |
	some finding in findings
	finding.policy == policy
	finding.count > 0
}

# METADATA
# scope: document
# description: The tier the findings imply - restricted for PHI, confidential for other findings.
inferred_tier(findings) := "restricted" if {
	phi_found(findings)
} else := "confidential" if {
	some finding in findings
	finding.count > 0
} else := "public" if {
	every finding in findings {
		finding.count == 0
	}
}

# METADATA
# scope: document
# description: True when a declared tier is given but names no known tier.
default invalid_declared(_) := false

invalid_declared(declared) if {
	is_string(declared)
	not tier_rank(declared)
}

# METADATA
# description: |
#   Declared, inferred and effective sensitivity. The effective tier is the higher of the two:
#   declaring "public" never lowers what the findings show.
sensitivity(declared, findings) := {
	"declared": declared,
	"inferred": inferred,
	"effective": effective_tier(declared, inferred),
} if {
	inferred := inferred_tier(findings)
}

effective_tier(declared, inferred) := declared if {
	is_string(declared)
	tier_rank(declared) > tier_rank(inferred)
} else := inferred
