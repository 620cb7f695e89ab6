"""Clients for the Microsoft 365 services hcinfra calls (or the emulator standing in for them)."""
