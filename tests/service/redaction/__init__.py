"""Redaction (services/redaction.py): personal data erased, every proof still valid."""
