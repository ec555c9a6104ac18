"""Pages of the councils app (thin: lookups in selectors, writes in services)."""
