"""Brownfield adoption: take an existing tenant's objects into the stacks (hcinfra adopt)."""
