//go:build tools

// Package tools pins Regal for opa/install.sh. `go install regal@version`
// cannot be used here: it asks the module proxy for Regal's version list,
// which this machine's proxy refuses, so the build goes through this module.
package tools

import _ "github.com/open-policy-agent/regal"
