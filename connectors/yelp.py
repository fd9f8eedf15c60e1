"""Yelp: replies are posted by hand (SPEC §6 manual publishing).

Yelp's Respond-to-Reviews API is available to approved partners only and its contract is
not public; this build does not call it. With ``YELP_PARTNER_TOKEN`` and
``YELP_BUSINESS_IDS`` set the source is listed as on, mentions arrive by webhook or file
import, and the approved reply is handed over in chat with a ``Mark as posted`` button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class YelpManual:
    base_url: str
    business_ids: Sequence[str]
    name: str = "yelp"

    def describe(self) -> str:
        return f"{len(self.business_ids)} business(es); replies are posted by hand"
