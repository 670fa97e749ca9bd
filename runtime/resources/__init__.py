"""Host resources a guest can name by handle: the ResourceTable and its typed handles."""
from ..errors import Full, HasChildren, NotPresent, NotTaken, ResourceTableError, Taken, WrongType
from .table import MAX_GENERATION, MAX_SLOTS, Resource, ResourceTable

__all__ = [
    "Full", "HasChildren", "MAX_GENERATION", "MAX_SLOTS", "NotPresent", "NotTaken", "Resource",
    "ResourceTable", "ResourceTableError", "Taken", "WrongType",
]
