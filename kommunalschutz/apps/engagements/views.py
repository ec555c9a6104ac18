"""Pages of the engagements app (thin: lookups in selectors, writes in services)."""
