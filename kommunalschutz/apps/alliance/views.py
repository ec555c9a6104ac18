"""Pages of the alliance app (thin: lookups in selectors, writes in services)."""
