"""A minimal detector behind the redaction engine's interface, used only until it lands."""
