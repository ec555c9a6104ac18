"""Cases: forms."""
