"""Pages of the events app (thin: lookups in selectors, writes in services)."""
