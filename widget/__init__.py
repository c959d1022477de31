"""Ready to Rebuild: an embeddable consultation-request widget for therapy practices."""

from .app import create_app
from .extension import ReadyToRebuild
from .state import get_state

__all__ = ["ReadyToRebuild", "create_app", "get_state"]
