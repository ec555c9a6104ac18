# TEMPORARY scaffolding
from ninja import Router

router = Router()
