"""Logs (and, later, metrics and health) shared by every component."""
