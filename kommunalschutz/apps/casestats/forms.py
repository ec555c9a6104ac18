"""Casestats: forms."""
