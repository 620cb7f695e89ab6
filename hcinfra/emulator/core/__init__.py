"""Shared machinery of the emulator's services."""
