"""The PHI screen: a leaf package (no chat, web or ORM imports)."""

from workflows.phi.types import (
    FINDING_KINDS,
    Finding,
    MentionContext,
    OrgContext,
    PhiScreen,
    ScreenResult,
)

__all__ = ["FINDING_KINDS", "Finding", "MentionContext", "OrgContext", "PhiScreen", "ScreenResult"]
