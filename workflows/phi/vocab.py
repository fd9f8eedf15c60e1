"""Vocabularies (data files under ``data/``) and a token-level phrase matcher.

Terms are matched token by token on normalised text, lower-cased and with accents
folded, ignoring hyphens, so ``X-ray``, ``x ray`` and ``X - RAY`` are one term and
``mamografia`` matches ``mamografía``. Misspelled clinical words ("hernea",
"laproscopic") are caught by an edit-distance match, but only for words that are not
ordinary English words (the lexicon comes from the spaCy model's lemma tables).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

DATA_DIR = Path(__file__).resolve().parent / "data"

# categories whose words count as clinical detail on their own
STRONG_CLINICAL = ("condition", "procedure", "medication", "test")

# category -> data files
_FILES: dict[str, tuple[str, ...]] = {
    "condition": ("conditions.en.txt", "conditions.es.txt"),
    "procedure": ("procedures.en.txt", "procedures.es.txt"),
    "medication": ("medications.txt",),
    "test": ("tests.en.txt", "tests.es.txt"),
    "insurer": ("insurers.txt",),
    "clinician_title": ("clinician_titles.en.txt", "clinician_titles.es.txt"),
}

# words derived from ICD-10-CM and a drug dictionary by ``vocab_build.py``
CLINICAL_WORD_FILES = ("icd10cm_words.txt", "drug_words.txt")

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


_SPANISH_MARKERS = frozenset(
    "el la los las de del que y en un una por para con no su sus usted nuestro nuestra "
    "gracias es lo le muy pero como".split()
)


def looks_spanish(words: Sequence[str]) -> bool:
    """Do these (folded) words read as Spanish? More than 12% common Spanish words."""
    return bool(words) and sum(w in _SPANISH_MARKERS for w in words) / len(words) > 0.12


def fold(word: str) -> str:
    """Lower-case and strip accents (``Tomás`` -> ``tomas``)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Token:
    """A word of the normalised text: folded form, span, and the raw characters."""

    key: str
    start: int
    end: int
    raw: str
    index: int


def tokenize(text: str) -> list[Token]:
    """Words (letters and digits) of *text*; punctuation and hyphens are dropped."""
    return [
        Token(fold(m.group(0)), m.start(), m.end(), m.group(0), i)
        for i, m in enumerate(_TOKEN_RE.finditer(text))
    ]


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file."""
    path = DATA_DIR / name
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            out.append(line)
    return out


_INFLECTIONS: tuple[tuple[str, str], ...] = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("ied", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("er", ""),
    ("est", ""),
    ("'s", ""),
)


def _plurals(word: str) -> Iterator[str]:
    if len(word) < 3 or not word.isalpha():
        return
    if word.endswith(("s", "x", "z", "ch", "sh")):
        yield word + "es"
    elif word.endswith("y") and word[-2:-1] not in "aeiou":
        yield word[:-1] + "ies"
    else:
        yield word + "s"


@dataclass(frozen=True)
class Match:
    category: str
    term: str
    start: int
    end: int
    first_token: int
    last_token: int
    fuzzy: bool = False


@dataclass
class Vocabulary:
    """All term lists, indexed for token-level longest-match lookup."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    # first token key -> list of (token keys, category, term, case-sensitive raw tokens)
    _index: dict[str, list[tuple[tuple[str, ...], str, str, tuple[str, ...] | None]]] = field(
        default_factory=dict
    )
    first_names: frozenset[str] = frozenset()
    nicknames: dict[str, frozenset[str]] = field(default_factory=dict)
    freemail: frozenset[str] = frozenset()
    common_name_words: frozenset[str] = frozenset()
    suffixes: tuple[tuple[str, str], ...] = ()
    suffix_exceptions: frozenset[str] = frozenset()
    lexicon: frozenset[str] = frozenset()
    clinical_words: frozenset[str] = frozenset()
    _fuzzy_choices: tuple[str, ...] = ()
    _fuzzy_category: dict[str, str] = field(default_factory=dict)

    def add(self, category: str, line: str) -> None:
        case_sensitive = line.startswith("=")
        term = line[1:] if case_sensitive else line
        self.terms.setdefault(category, set()).add(term.lower())
        raw_tokens = tuple(m.group(0) for m in _TOKEN_RE.finditer(term))
        keys = tuple(fold(t) for t in raw_tokens)
        if not keys:
            return
        variants: list[tuple[tuple[str, ...], tuple[str, ...] | None]] = [
            (keys, raw_tokens if case_sensitive else None)
        ]
        if not case_sensitive:
            variants.extend(((*keys[:-1], p), None) for p in _plurals(keys[-1]))
        for k, raw in variants:
            self._index.setdefault(k[0], []).append((k, category, term.lower(), raw))

    def finish(self) -> None:
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))
        choices: dict[str, str] = {}
        for cat in STRONG_CLINICAL:
            for term in self.terms.get(cat, ()):
                key = fold(term)
                if key.isalpha() and len(key) >= 5:
                    choices.setdefault(key, cat)
        self._fuzzy_choices = tuple(sorted(choices))
        self._fuzzy_category = choices

    def in_lexicon(self, key: str) -> bool:
        """Is *key* (or a regular inflection of it) an ordinary English word?"""
        lex = self.lexicon
        if key in lex:
            return True
        for suffix, repl in _INFLECTIONS:
            if key.endswith(suffix) and len(key) - len(suffix) >= 3:
                if key[: len(key) - len(suffix)] + repl in lex:
                    return True
        return False

    def clinical_word(self, key: str) -> bool:
        """Is *key* (or its singular) a word of the derived clinical word lists?"""
        words = self.clinical_words
        if key in words:
            return True
        for suffix, repl in (("s", ""), ("es", ""), ("ies", "y")):
            if key.endswith(suffix) and key[: len(key) - len(suffix)] + repl in words:
                return True
        return False

    def known_word(self, key: str) -> bool:
        return (
            self.in_lexicon(key)
            or key in self.first_names
            or key in self._index
            or key in self._fuzzy_category
        )

    def match(self, tokens: list[Token], fuzzy: bool = True) -> list[Match]:
        """Longest matches at every token; overlapping matches of different
        categories are all kept (a word can be both a care noun and a test)."""
        out: list[Match] = []
        n = len(tokens)
        covered_until = -1
        for i, tok in enumerate(tokens):
            entries = self._index.get(tok.key)
            matched_here = False
            if entries:
                seen_cats: set[str] = set()
                for keys, cat, term, raw in entries:
                    if cat in seen_cats:
                        continue
                    k = len(keys)
                    if i + k > n:
                        continue
                    if any(tokens[i + j].key != keys[j] for j in range(k)):
                        continue
                    if raw is not None and any(tokens[i + j].raw != raw[j] for j in range(k)):
                        continue
                    seen_cats.add(cat)
                    out.append(Match(cat, term, tok.start, tokens[i + k - 1].end, i, i + k - 1))
                    covered_until = max(covered_until, i + k - 1)
                    matched_here = True
            if not matched_here and i > covered_until and tok.key.isalpha():
                suffix_cat = self.by_suffix(tok.key)
                if suffix_cat is not None:
                    out.append(Match(suffix_cat, tok.key, tok.start, tok.end, i, i, True))
                    continue
            if (
                fuzzy
                and not matched_here
                and i > covered_until
                and self.lexicon
                and len(tok.key) >= 6
                and tok.key.isalpha()
                and not self.known_word(tok.key)
            ):
                hit = self.fuzzy_clinical(tok.key)
                if hit is not None:
                    out.append(
                        Match(self._fuzzy_category[hit], hit, tok.start, tok.end, i, i, True)
                    )
        return out

    def by_suffix(self, key: str) -> str | None:
        """Category of an unknown word with a clinical ending ("labyrinthitis")."""
        if len(key) < 7 or key in self.suffix_exceptions:
            return None
        for suffix, category in self.suffixes:
            if key.endswith(suffix) and len(key) - len(suffix) >= 3:
                return category
        return None

    def fuzzy_clinical(self, key: str) -> str | None:
        limit = 1 if len(key) < 9 else 2
        res = process.extractOne(
            key, self._fuzzy_choices, scorer=Levenshtein.distance, score_cutoff=limit
        )
        if res is None:
            return None
        choice = str(res[0])
        if choice[0] != key[0] or abs(len(choice) - len(key)) > limit:
            return None
        return choice


def _load_nicknames() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for line in read_lines("nicknames.txt"):
        if ":" not in line:
            continue
        formal, nicks = line.split(":", 1)
        formal_key = fold(formal.strip())
        nick_keys = {fold(n.strip()) for n in nicks.split(",") if n.strip()}
        groups.setdefault(formal_key, set()).update(nick_keys - {formal_key})
        for nick in nick_keys:
            groups.setdefault(nick, set()).add(formal_key)
    return {k: frozenset(v) for k, v in groups.items()}


def load_vocabulary(lexicon: Iterable[str] = ()) -> Vocabulary:
    """Read every data file once (call at start-up)."""
    vocab = Vocabulary()
    for category, files in _FILES.items():
        for name in files:
            for line in read_lines(name):
                vocab.add(category, line)
    vocab.finish()
    names: set[str] = set()
    for line in read_lines("first_names.txt"):
        names.update(fold(w) for w in line.split())
    vocab.first_names = frozenset(names)
    vocab.nicknames = _load_nicknames()
    vocab.freemail = frozenset(line.lower() for line in read_lines("freemail.txt"))
    common: set[str] = set()
    for line in read_lines("name_words_common.txt"):
        common.update(fold(w) for w in line.split())
    vocab.common_name_words = frozenset(common)
    suffixes: list[tuple[str, str]] = []
    exceptions: set[str] = set()
    in_except = False
    for line in read_lines("medical_suffixes.txt"):
        if line == "[except]":
            in_except = True
        elif in_except:
            exceptions.update(fold(w) for w in line.split())
        else:
            suffix, category = line.split()
            suffixes.append((suffix, category))
    vocab.suffixes = tuple(sorted(suffixes, key=lambda p: -len(p[0])))
    vocab.suffix_exceptions = frozenset(exceptions)
    vocab.lexicon = frozenset(fold(w) for w in lexicon)
    vocab.clinical_words = frozenset(
        fold(w) for name in CLINICAL_WORD_FILES for w in read_lines(name)
    )
    return vocab


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """Vocabulary without a lexicon (no fuzzy clinical matching); for tools and tests."""
    return load_vocabulary()


__all__ = [
    "STRONG_CLINICAL",
    "Match",
    "Token",
    "Vocabulary",
    "default_vocabulary",
    "fold",
    "load_vocabulary",
    "looks_spanish",
    "read_lines",
    "tokenize",
]
