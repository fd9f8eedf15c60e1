"""Normalisation of a reply before analysis, with an offset map back to the original.

Obfuscation that a human reader sees through must not hide PHI from the screen:
HTML entities (``&#67;onsuelo``), compatibility forms (fullwidth ``２/２７``), zero-width
and joiner characters (``meto\u200cprolol``), soft hyphens, other Unicode digits,
Cyrillic and Greek look-alike letters, emoji wedged between words, and runs of
whitespace (line breaks included, so a line break cannot split a phrase). Case is kept
(matching is case-insensitive where it should be).

Every character of the normalised text remembers the span of original code points it
came from, so a finding found in the normalised text is reported with code-point
offsets into the *original* reply (``reply[start:end]`` gives the words).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Format and invisible characters: zero-width space/joiners, word joiner, BOM, soft
# hyphen, Mongolian vowel separator, bidi controls, invisible operators, variation
# selectors, tag characters.
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE007F),
    (0xE0100, 0xE01EF),
)

# Cyrillic, Greek and other letters that look like Latin ones (after NFKC).
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic lower case
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ԁ": "d",
    "һ": "h",
    "ӏ": "l",
    "ԛ": "q",
    "ԝ": "w",
    "ь": "b",
    "ɡ": "g",
    "ү": "y",
    "ә": "e",
    "ᴦ": "r",
    # Cyrillic upper case
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ё": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "Ѕ": "S",
    "І": "I",
    "Ї": "I",
    "Ј": "J",
    "Ԁ": "D",
    "Һ": "H",
    "Ӏ": "I",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ү": "Y",
    # Greek
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    "ο": "o",
    "ν": "v",
    "ι": "i",
    "κ": "k",
    "ρ": "p",
    "α": "a",
    "τ": "t",
    "υ": "u",
    "ϲ": "c",
    "ϳ": "j",
    "ϵ": "e",
    # Latin look-alikes outside ASCII
    "ı": "i",
    "ȷ": "j",
    "ℓ": "l",
    "ꞵ": "b",
    "ɑ": "a",
    "ɩ": "i",
    # punctuation look-alikes
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\uff20": "@",
}

_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")


def _is_invisible(cp: int) -> bool:
    for lo, hi in _INVISIBLE_RANGES:
        if lo <= cp <= hi:
            return True
    return False


@dataclass(frozen=True)
class Normalized:
    """The normalised text and, per normalised character, its original span."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to original code points."""
        if not self.text:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return (self.starts[start], self.ends[end - 1])

    def original_text(self, start: int, end: int) -> str:
        s, e = self.span(start, end)
        return self.original[s:e]


def _decode_entities(chars: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Decode HTML entities (twice, for double encoding) keeping spans."""
    for _ in range(2):
        text = "".join(c for c, _s, _e in chars)
        if "&" not in text:
            return chars
        out: list[tuple[str, int, int]] = []
        pos = 0
        changed = False
        for m in _ENTITY_RE.finditer(text):
            decoded = html.unescape(m.group(0))
            if decoded == m.group(0):
                continue
            out.extend(chars[pos : m.start()])
            s = chars[m.start()][1]
            e = chars[m.end() - 1][2]
            out.extend((ch, s, e) for ch in decoded)
            pos = m.end()
            changed = True
        if not changed:
            return chars
        out.extend(chars[pos:])
        chars = out
    return chars


def _fold_char(ch: str) -> str:
    """NFKC, Unicode digits to ASCII, homoglyphs to Latin, symbols to space."""
    mapped = _HOMOGLYPHS.get(ch)
    if mapped is not None:
        return mapped
    cp = ord(ch)
    if cp < 128:
        return ch
    if _is_invisible(cp):
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    out: list[str] = []
    for f in folded:
        m = _HOMOGLYPHS.get(f)
        if m is not None:
            out.append(m)
            continue
        cat = unicodedata.category(f)
        if cat == "Nd":
            out.append(str(unicodedata.decimal(f)))
        elif cat in ("So", "Sk", "Cs", "Co", "Cn") or (cat == "Cf"):
            out.append(" ")
        elif cat in ("Zs", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(f)
    return "".join(out)


def normalize(text: str) -> Normalized:
    """Normalise *text*; see the module docstring for what is undone."""
    chars: list[tuple[str, int, int]] = [(c, i, i + 1) for i, c in enumerate(text)]
    if "&" in text:
        chars = _decode_entities(chars)

    out_chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(chars)
    i = 0
    while i < n:
        ch, s, e = chars[i]
        # group a base character with following combining marks (NFC/NFKC compose)
        j = i + 1
        while j < n and unicodedata.combining(chars[j][0]) and not _is_invisible(ord(chars[j][0])):
            j += 1
        if j > i + 1:
            cluster = "".join(c for c, _s, _e in chars[i:j])
            e = chars[j - 1][2]
            folded = "".join(_fold_char(c) for c in unicodedata.normalize("NFKC", cluster))
        else:
            folded = _fold_char(ch)
        i = j
        for f in folded:
            if f.isspace():
                # line breaks are read as spaces: "medical\nrecord\nnumber" is still an MRN
                f = " "
                if out_chars and out_chars[-1] == " ":
                    ends[-1] = e  # collapse whitespace runs
                    continue
            out_chars.append(f)
            starts.append(s)
            ends.append(e)
    return Normalized(text, "".join(out_chars), tuple(starts), tuple(ends))


__all__ = ["Normalized", "normalize"]
