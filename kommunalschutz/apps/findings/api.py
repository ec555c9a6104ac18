"""REST API of the findings app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["findings"])
