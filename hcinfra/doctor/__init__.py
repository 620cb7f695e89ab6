"""`hcinfra doctor`: a read-only check of a tenant before the first deploy.

Each area has its own module of checks (identity, domains, licences, members,
contracts); `report` renders the results and `command` runs them concurrently.
"""
