"""A local emulator of the Microsoft 365 APIs hcinfra calls.

Organised like moto: one package per service (identity, graph, exchange,
teamsadmin), each with a backend that holds state and enforces the service's
rules, its routes, and error classes that render the service's own error body.
`core/` holds what they share: the SQLite store, tokens, faults and the request log.
"""
