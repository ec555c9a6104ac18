"""Casestats: services."""
