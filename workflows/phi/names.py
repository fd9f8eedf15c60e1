"""The reviewer's name or handle, and where a reply uses it.

From the mention's author we derive what a reply could call the reviewer: the handle
itself (``@hollowmom_amy``), name-like handle parts (``amy``), first and last names,
hyphenated parts, and nicknames (``Maggie`` for ``Margaret``). A reply uses the name
when one of those appears as a word (any casing), split by spaces or line breaks
(``B e n e d i k t``, ``Achter berg``), or misspelled by one letter. Parts that are also
ordinary words (``Bell``, ``Price``, ``Frost``) count only when written as a name:
capitalised and not merely starting a sentence, after an honorific, or next to
another part of the name.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from workflows.phi.vocab import Token, Vocabulary, fold

HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "sr", "sra", "srta", "don", "dona", "senor", "senora"}
)
_TITLES = frozenset({"dr", "dra", "doctor", "doctora", "prof", "rev"})
_CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SPLIT_RE = re.compile(r"[\W_\d]+", re.UNICODE)


@dataclass(frozen=True)
class NamePart:
    key: str  # folded
    role: str  # "first", "last", "middle", "handle_part", "nickname"
    # "" a name only; "capitalised" also a word (Hank, Bell): must be written with a capital
    # or odd casing; "strict" a very common word (Will, Grace): must also not merely start
    # a sentence, unless followed by a comma as in a greeting
    common: str


@dataclass(frozen=True)
class NameProfile:
    author: str
    handle: str  # folded handle without @ or u/, "" when the author is a real name
    parts: tuple[NamePart, ...]
    # every alphabetic piece of a handle (``rosa``, ``runs``, ``denver``): a reply that
    # opens with one of them as a greeting ("Rosa, ...") is calling the reviewer by it
    handle_pieces: frozenset[str] = frozenset()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.parts)


@dataclass(frozen=True)
class NameHit:
    start: int
    end: int
    how: str  # "handle", "name", "split", "spaced", "fuzzy"


def _is_handle(author: str) -> bool:
    a = author.strip()
    return (
        a.startswith(("@", "u/", "/u/"))
        or (" " not in a and ("_" in a or any(c.isdigit() for c in a)))
        or (" " not in a and bool(re.search(r"[a-z][A-Z]", a)))
    )


def build_profile(author: str, vocab: Vocabulary) -> NameProfile:
    """Everything a reply could call the reviewer."""
    author = author.strip()
    parts: dict[str, NamePart] = {}

    def add(word: str, role: str) -> None:
        key = fold(word)
        if len(key) < 2 or key in HONORIFICS or key in _TITLES:
            return
        if key in parts:
            return
        if key in vocab.common_name_words or len(key) < 3:
            common = "strict"
        elif vocab.in_lexicon(key):
            common = "capitalised"
        else:
            common = ""
        parts[key] = NamePart(key, role, common)

    handle = ""
    handle_pieces: frozenset[str] = frozenset()
    if _is_handle(author):
        raw = re.sub(r"^(@|/?u/)", "", author)
        handle = fold(raw)
        pieces: list[str] = []
        for chunk in _SPLIT_RE.split(raw):
            pieces.extend(_CAMEL_RE.findall(chunk) or [chunk])
        alpha = [p for p in pieces if fold(p).isalpha()]
        for n, piece in enumerate(alpha):
            key = fold(piece)
            if not key:
                continue
            if key in vocab.first_names or key in vocab.nicknames:
                add(piece, "handle_part")
            elif len(key) >= 4 and not vocab.in_lexicon(key) and len(alpha) == 1:
                add(piece, "handle_part")
            elif n == 0 and len(key) >= 3 and not vocab.in_lexicon(key) and len(alpha) > 1:
                # @firstname_something_city: the first piece is usually the given name
                add(piece, "handle_part")
        handle_pieces = frozenset(fold(p) for p in alpha if len(p) >= 3)
    else:
        words = [w for w in re.split(r"\s+", author) if w]
        cleaned = [w.strip('.,;:!?"()') for w in words]
        cleaned = [w for w in cleaned if w and fold(w.rstrip(".")) not in HONORIFICS]
        name_words = [w for w in cleaned if len(w.rstrip(".")) > 1]
        for i, w in enumerate(name_words):
            role = "first" if i == 0 else ("last" if i == len(name_words) - 1 else "middle")
            add(w, role)
            for sub in re.split(r"[-']", w):
                if len(sub) >= 3 and sub != w:
                    add(sub, role)
            # O'Brien -> obrien, Ramirez-Lund -> ramirezlund
            joined = re.sub(r"[-']", "", w)
            if joined != w:
                add(joined, role)
    firsts = [p.key for p in parts.values() if p.role in ("first", "handle_part")]
    for key in firsts:
        for nick in vocab.nicknames.get(key, ()):
            if nick not in parts and len(nick) >= 3:
                strict = nick in vocab.common_name_words or vocab.in_lexicon(nick)
                parts[nick] = NamePart(nick, "nickname", "strict" if strict else "")
    return NameProfile(author, handle, tuple(parts.values()), handle_pieces)


def _looks_like_name(tok: Token, text: str, sentence_start: bool) -> bool:
    raw = tok.raw
    if not raw[:1].isupper():
        # odd casing (yVeTtE) is an attempt to hide a name
        return any(c.isupper() for c in raw[1:])
    if raw.isupper() and len(raw) > 1:
        return True
    if not sentence_start:
        return True
    after = text[tok.end : tok.end + 1]
    return after in (",", "!", ":")


# a greeting at the start of the reply: "Rosa,", "Hi Rosa!", "Hola Rosa:"
_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|hola|buenos d[ií]as|buenas tardes|querid[oa]|"
    r"estimad[oa])\s+)?(?P<name>[^\W\d_]{3,})\s*[,!:]",
    re.IGNORECASE,
)
_NOT_GREETED = frozenset(
    "hi hello hey dear hola thanks thank gracias welcome sorry congrats congratulations "
    "wow great yes no ok okay absolutely".split()
)


def _greeting_hit(profile: NameProfile, text: str) -> NameHit | None:
    """The reply opens by calling the reviewer by a part of their handle."""
    if not profile.handle:
        return None
    m = _GREETING.match(text)
    if m is None:
        return None
    key = fold(m.group("name"))
    if key in _NOT_GREETED or key in profile.keys:
        return None  # already matched as a name part, or not a name
    if key in profile.handle_pieces or (len(key) >= 4 and profile.handle.startswith(key)):
        return NameHit(m.start("name"), m.end("name"), "greeting")
    return None


def find_name(
    profile: NameProfile,
    tokens: list[Token],
    text: str,
    sentence_starts: frozenset[int],
    vocab: Vocabulary,
) -> list[NameHit]:
    """Where *text* (normalised) uses the reviewer's name or handle."""
    hits: list[NameHit] = []
    low = text.lower()
    if profile.handle and len(profile.handle) >= 3:
        for m in re.finditer(re.escape(profile.handle), fold(low)):
            s, e = m.start(), m.end()
            if s > 0 and text[s - 1] == "@":
                s -= 1
            hits.append(NameHit(s, e, "handle"))
    greeting = _greeting_hit(profile, text)
    if greeting is not None and not any(h.start == greeting.start for h in hits):
        hits.append(greeting)
    if not profile.parts:
        return hits
    by_key = {p.key: p for p in profile.parts}
    matched = [False] * len(tokens)

    def adjacent_part(i: int) -> bool:
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens) and tokens[j].key in by_key:
                return True
        return i > 0 and tokens[i - 1].key in HONORIFICS

    for i, tok in enumerate(tokens):
        part = by_key.get(tok.key)
        if part is None:
            continue
        capital = tok.raw[:1].isupper() or any(c.isupper() for c in tok.raw[1:])
        if part.common == "capitalised" and not capital:
            continue
        if part.common == "strict":
            starts_sentence = tok.start in sentence_starts
            named = _looks_like_name(tok, text, starts_sentence)
            if not (named or (adjacent_part(i) and tok.raw[:1].isupper())):
                continue
        hits.append(NameHit(tok.start, tok.end, "name"))
        matched[i] = True

    long_keys = [p.key for p in profile.parts if len(p.key) >= 4]
    # names split by a space or line break: "Achter berg", "Regi nald"
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        gap = text[a.end : b.start]
        if gap.strip():
            continue
        for width in (2, 3):
            if i + width > len(tokens):
                break
            seg = tokens[i : i + width]
            if any(text[x.end : y.start].strip() for x, y in itertools.pairwise(seg)):
                break
            joined = "".join(t.key for t in seg)
            if joined in by_key and len(joined) >= 4:
                # "Reg inald": the whole name wins over a nickname matched in a piece
                hits = [h for h in hits if not (seg[0].start <= h.start and h.end <= seg[-1].end)]
                hits.append(NameHit(seg[0].start, seg[-1].end, "split"))
                for t in seg:
                    matched[t.index] = True
    # letters spaced out: "B e n e d i k t"
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and len(tokens[j].key) == 1 and tokens[j].key.isalpha():
            if j > i and text[tokens[j - 1].end : tokens[j].start].strip():
                break
            j += 1
        if j - i >= 3:
            run = tokens[i:j]
            letters = "".join(t.key for t in run)
            for key in long_keys:
                for m in re.finditer(re.escape(key), letters):
                    hits.append(NameHit(run[m.start()].start, run[m.end() - 1].end, "spaced"))
            i = j
        else:
            i += 1
    # one letter off: "Bernise", "Yvete"
    fuzzy_keys = [p for p in profile.parts if len(p.key) >= 5 and p.common == ""]
    if fuzzy_keys:
        for i, tok in enumerate(tokens):
            if matched[i] or len(tok.key) < 5 or not tok.key.isalpha():
                continue
            if vocab.known_word(tok.key):
                continue
            for p in fuzzy_keys:
                limit = 1 if len(p.key) < 8 else 2
                if (
                    tok.key[0] == p.key[0]
                    and abs(len(tok.key) - len(p.key)) <= limit
                    and Levenshtein.distance(tok.key, p.key, score_cutoff=limit) <= limit
                ):
                    hits.append(NameHit(tok.start, tok.end, "fuzzy"))
                    break
    return hits


__all__ = ["HONORIFICS", "NameHit", "NamePart", "NameProfile", "build_profile", "find_name"]
