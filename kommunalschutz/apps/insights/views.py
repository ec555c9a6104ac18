"""Pages of the insights app (thin: lookups in selectors, writes in services)."""
