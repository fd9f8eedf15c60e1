"""The care-context default: vocabulary of the organisation's care operations.

When a reply addresses a specific person (the reviewer's name or handle, "you",
"usted", "su", or a relative of theirs), any sentence that mentions the organisation's
care operations about that person is a finding, unless the sentence is a policy
statement, an invitation to contact the organisation, a public offer/event/price, a
non-care topic only, or a thank-you/apology without care. The vocabulary (staff roles,
care places, numbered rooms, transport, care events, contact attempts, non-care topics,
feedback nouns) is data: ``data/care_ops.{en,es}.txt``, one regex fragment per line
under ``[section]`` headers. This module only compiles it; ``rules.Decision.care_default``
applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflows.phi.vocab import read_lines

_F = re.IGNORECASE
SECTIONS = (
    "staff",
    "staff_phrase",
    "place",
    "room",
    "transport",
    "event",
    "event_strong",
    "contact",
    "not_care",
    "feedback",
)


def _sections(*files: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in SECTIONS}
    for name in files:
        current = ""
        for line in read_lines(name):
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1]
                if current not in out:
                    raise ValueError(f"unknown section in {name}: {current}")
                continue
            if current:
                out[current].append(line.replace(" ", r"\s+"))
    return out


def _alt(parts: list[str]) -> str:
    return "(?:" + "|".join(sorted(parts, key=len, reverse=True)) + ")"


_V = _sections("care_ops.en.txt", "care_ops.es.txt")

STAFF = re.compile(r"\b" + _alt(_V["staff"]) + r"(?!\w)", _F)
STAFF_PHRASE = re.compile(r"\b" + _alt(_V["staff_phrase"]) + r"(?!\w)", _F)
PLACE = re.compile(r"(?<![\w-])" + _alt(_V["place"]) + r"(?![\w-])", _F)
# "Room 412", "bed 3", "habitación 305", "4 West", "the third floor"
ROOM = re.compile(
    r"\b" + _alt(_V["room"]) + r"\s*(?:no\.?|number|n[uú]m(?:ero)?\.?)?\s*\d{1,4}[a-z]?\b"
    r"|\b\d{1,2}\s*(?:north|south|east|west|[NSEW])\b(?!\s*(?:street|st|avenue|ave|road|rd))"
    r"|\b(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
    r"ninth|tenth|top)\s+(?:floor|level)\b",
    _F,
)
TRANSPORT = re.compile(r"\b" + _alt(_V["transport"]), _F)
EVENT = re.compile(r"\b" + _alt(_V["event"]) + r"(?!\w)", _F)
EVENT_STRONG = re.compile(r"\b" + _alt(_V["event_strong"]) + r"(?!\w)", _F)
CONTACT_ATTEMPT = re.compile(r"\b" + _alt(_V["contact"]), _F)
NOT_CARE = re.compile(r"\b" + _alt(_V["not_care"]) + r"(?!\w)", _F)
# "your kind words", "su mensaje": the reader's feedback, not the reader's care
FEEDBACK_AFTER = re.compile(
    r"^\s+(?:(?:very|so|kind|thoughtful|generous|lovely|honest|sweet|amable|amables)\s+)?"
    + _alt(_V["feedback"])
    + r"(?!\w)",
    _F,
)

# a staff word that is not clinical staff: "repair crew", "the cleaning crew"
STAFF_NOT_BEFORE = re.compile(
    r"\b(?:repair|cleaning|construction|maintenance|landscaping|grounds|road|city|"
    r"kitchen|parking|security|film|camera|race|tech support|it|facilities)\s*$",
    _F,
)
# a possessor right before: "your aide", "su cuidadora", "her nurse"
POSSESSED_BEFORE = re.compile(r"\b(?:your|his|her|their|su|sus|tu|tus)\s+(?:[\w-]+\s+){0,2}$", _F)
# "our nurses", "all of our aides": the staff as a whole, not someone's carer
COLLECTIVE_BEFORE = re.compile(
    r"\b(?:our|nuestr[oa]s|all|todos los|todas las|the whole|every)\s+(?:[\w-]+\s+){0,2}$", _F
)
# a name right after a role: "our hygienist Jen", "la Dra. Ortega"
NAME_AFTER = re.compile(r"^,?\s+(?-i:[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)\b(?!'s\s+(?:team|office))")
# "the crew that brought you in", "the nurse who saw you"
WHO_AFTER = re.compile(
    r"^\s+(?:who|that|que)\s+(?:\w+\s+){0,2}?(?:you|him|her|them|your|his|le|la|lo|su)\b", _F
)

# invitations to contact the organisation (not a past attempt to reach the person)
CONTACT_INVITE = re.compile(
    r"\b(?:please|feel free to|don't hesitate to|do not hesitate to|you can|you may|"
    r"is available|are available|can be reached|por favor|puede|pueden|le invitamos)\b"
    r"[^.!?;]{0,60}?\b(?:call|contact|reach|email|e-mail|text|write|message|visit|stop by|"
    r"ask for|speak|talk|connect|ll[aá]me\w*|comun[ií]que\w*|escr[ií]ba\w*|cont[aá]cte\w*|"
    r"visite|hablar|atender\w*)\b"
    r"|\b(?:would|'d) (?:like|love) to (?:hear from|talk|speak|connect|listen)\b"
    r"|\b(?:is|are|be|'s|'re) (?:always )?(?:happy|glad|available) to (?:talk|speak|help|"
    r"discuss|listen|answer)\b"
    r"|^\W*(?:\w+\s*,\s*)?(?:please\s+)?(?:call|contact|reach out|email|text|visit|ask for|"
    r"ll[aá]menos|llame|comun[ií]quese|escr[ií]banos|visite)\b"
    r"|\b(?:welcomes?|would welcome) your call\b|\b(?:details|more information|info) "
    r"(?:are|is) (?:on|at)\b",
    _F,
)
# public offers, events and prices (a narrower test than "offer" sentences elsewhere)
PUBLIC_OFFER = re.compile(
    r"\b(?:free|gratis|gratuit[oa]s?|open to (?:the public|all|everyone|anyone)|"
    r"abiert[oa]s? al p[uú]blico|register|registration|sign up|inscr[ií]b\w*|"
    r"we (?:now |also )?(?:offer|provide|host|accept)|(?:is|are) accepting|"
    r"ofrecemos|aceptamos|tours? of|opens? to|no appointment (?:is )?needed|walk-ins?)\b"
    r"|[$€£]\s?\d",
    _F,
)
# an open invitation to drop in: "we hope you'll stop by", "you're always welcome to come by"
INVITE_VISIT = re.compile(
    r"\b(?:hope (?:you'll|you will|you can|to see you)|invite you to|(?:you're|you are) "
    r"(?:always )?welcome to|feel free to|esperamos (?:que )?(?:pueda|verle|verla|verlo)|le "
    r"invitamos a)\b[^.!?;]{0,30}?\b(?:stop by|come by|drop by|drop in|come in|visit|pasar|"
    r"visitarnos|venir)\b",
    _F,
)
# a thank-you that passes praise along to staff: "we'll share this with Dr. Greene"
PASS_ALONG = re.compile(
    r"\b(?:share|shared|sharing|pass|passed|passing|forward|forwarded|send|sent)\s+"
    r"(?:\w+\s+){0,3}?(?:with|to|along)\b"
    r"|\b(?:will|'ll) (?:be )?(?:thrilled|glad|happy|delighted|so happy|excited|proud) to "
    r"(?:read|hear|see|know)\b|\bsees? this\b|\bmade (?:our|their|his|her) (?:\w+\s+)?day\b"
    r"|\b(?:kind words|thanks|thank you|gratitude|praise) (?:about|for|to)\b|\brecogni[sz]\w+\b"
    r"|\b(?:compartiremos|compartimos|transmitiremos|haremos llegar|pasaremos)\b",
    _F,
)
# the reviewer's name used only as a greeting ("Marta, …", "Thanks, Jon!")
VOCATIVE_BEFORE = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|hola|thanks|thank you|gracias|querid[oa]|estimad[oa]|"
    r"yes|s[ií]|ok|okay|oh|welcome|bienvenid[oa])\W*)*$",
    _F,
)
VOCATIVE_AFTER = re.compile(r"^\s*(?:[,!:.?]|$)")
# third-party addresses without a street suffix: "your neighbor at 14 Elm"
ADDRESS_LOOSE = re.compile(
    r"\b(?:at|on|en|de la calle|calle)\s+(?:\d{1,5}\s+(?-i:[A-Z][a-z]+)\b|"
    r"(?-i:[A-Z][a-zá-ú]+)\s+\d{1,5}\b)"
)
THIRD_PARTY = re.compile(
    r"\b(?:your|su|tu)\s+(?:next-door\s+)?(?:neighbou?rs?|roommates?|friends?|landlord|"
    r"coworkers?|vecin[oa]s?|amig[oa]s?|compa[nñ]er[oa]s?)\b",
    _F,
)
# a contact attempt that names its object: "intentamos llamarle", "we tried calling you"
SELF_TIED = re.compile(r"(?:le|la|lo|you|him|her|them)\b", _F)
PRONOUN = re.compile(r"\b(?:he|she|him|her|they|them|[eé]l|ella)\b", _F)
CLINICAL_EVENT = re.compile(
    r"block|epidural|sedat|anesth|\bIV\b|stitch|dressing|dose|meds|medication|pill|insulin|"
    r"prep|fasting|NPO|liquids|midnight|bloqueo|sedaci|sedad|ayun|suero|puntos|dosis|medic",
    _F,
)


@dataclass(frozen=True)
class Hit:
    """A care-operations mention in a sentence (offsets relative to the sentence)."""

    kind: str  # staff | place | room | transport | event | contact
    start: int
    end: int
    strong: bool


def hits(text: str) -> list[Hit]:
    """Care-operations mentions in one sentence of normalised text."""
    out: list[Hit] = []
    for m in STAFF.finditer(text):
        before = text[: m.start()]
        if STAFF_NOT_BEFORE.search(before):
            continue
        after = text[m.end() :]
        end = m.end()
        named = NAME_AFTER.match(after)
        if named:
            end = m.end() + named.end()
        strong = bool(POSSESSED_BEFORE.search(before) or named or WHO_AFTER.match(after))
        if not strong and COLLECTIVE_BEFORE.search(before) and m.group(0).lower().endswith("s"):
            continue  # "our nurses", "nuestras enfermeras": the staff as a whole
        out.append(Hit("staff", m.start(), end, strong))
    for m in STAFF_PHRASE.finditer(text):
        out.append(Hit("staff", m.start(), m.end(), True))
    for m in ROOM.finditer(text):
        out.append(Hit("room", m.start(), m.end(), True))
    for m in PLACE.finditer(text):
        if any(h.start < m.end() and m.start() < h.end for h in out):
            continue
        poss = bool(POSSESSED_BEFORE.search(text[: m.start()]))
        out.append(Hit("place", m.start(), m.end(), poss))
    for m in TRANSPORT.finditer(text):
        out.append(Hit("transport", m.start(), m.end(), True))
    for m in EVENT_STRONG.finditer(text):
        out.append(Hit("event", m.start(), m.end(), True))
    for m in EVENT.finditer(text):
        if any(h.start <= m.start() < h.end for h in out):
            continue
        poss = bool(POSSESSED_BEFORE.search(text[: m.start()]))
        out.append(Hit("event", m.start(), m.end(), poss))
    for m in CONTACT_ATTEMPT.finditer(text):
        out.append(Hit("contact", m.start(), m.end(), True))
    return out


__all__ = [name for name in dir() if name.isupper()] + ["Hit", "hits"]
