"""Microsoft Graph v1.0 (and the beta paths hcinfra uses)."""
