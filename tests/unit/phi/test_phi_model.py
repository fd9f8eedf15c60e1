"""The classifier's parts: masking, features, the artefact, the decision, explanations."""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.phi.conftest import run
from workflows.phi import corpus_build, train
from workflows.phi.features import Entity, block_of, cues, features, mention_cues, model_terms
from workflows.phi.model import (
    MODEL_PATH,
    MODEL_SHA_PATH,
    NEVER,
    SUMMARY,
    LinearModel,
    ModelError,
    Trees,
    sentence_blocks,
    tfidf,
)
from workflows.phi.screen import ClassifierPhiScreen
from workflows.phi.types import FINDING_KINDS, PhiScreen
from workflows.phi.vocab import default_vocabulary, tokenize

# --- features -----------------------------------------------------------------------


def test_entities_become_placeholders() -> None:
    text = "Dana, your lupus flare was treated on May 3."
    ents = [
        Entity("PHI_REVIEWER", 0, 4),
        Entity("PHI_CONDITION", 11, 16, "lupus"),
        Entity("PHI_DATE", 38, 43),
    ]
    terms = [t.text for t in model_terms(tokenize(text), ents)]
    assert terms == ["<reviewer>", "your", "<condition>", "flare", "was", "treated", "on", "<date>"]


def test_names_never_reach_the_features() -> None:
    text = "Thanks Marisol Quintero for the note"
    ents = [Entity("PHI_REVIEWER", 7, 23)]
    names = [f.name for f in features(model_terms(tokenize(text), ents), [])]
    assert not any("marisol" in n or "quintero" in n or "quin" in n for n in names)
    assert "w:thanks <reviewer>" in names


def test_unseen_clinical_words_read_as_clin() -> None:
    """ICD-10-CM and drug words no recogniser matched become ``<clin>``; everyday
    objects of the external-cause chapter, common words and given names do not."""
    vocab = default_vocabulary()
    text = "Frank, your meniscus tear and the abatacept dose, not your golf club or car"
    terms = model_terms(tokenize(text), [Entity("PHI_REVIEWER", 0, 5)], vocab.clinical_word)
    assert [t.text for t in terms if t.text == "<clin>"] == ["<clin>", "<clin>"]
    assert {"golf", "club", "car", "tear", "dose"} <= {t.text for t in terms}
    assert cues(terms, [Entity("PHI_REVIEWER", 0, 5)], frozenset(), False)[-2:] == [
        "c:clin_word",
        "c:you_clin_word",
    ]
    for word in ("club", "golf", "parking", "knee", "family", "unspecified", "maria", "sprains"):
        assert vocab.clinical_word(word) is (word == "sprains"), word


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "Nd", "Zs")), max_size=80))
def test_tfidf_is_unit_length_per_block(text: str) -> None:
    feats = features(model_terms(tokenize(text), []), ["c:reviewer"])
    idf = {f.name: 1.0 + (len(f.name) % 3) for f in feats}
    vec = tfidf(feats, idf)
    for block in ("word", "char"):
        values = [v for k, v in vec.items() if block_of(k) == block]
        if values:
            assert math.isclose(sum(v * v for v in values), 1.0, rel_tol=1e-9)


# --- the artefact ------------------------------------------------------------------------


def test_artefact_matches_its_checksum_and_the_corpus() -> None:
    raw = MODEL_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == MODEL_SHA_PATH.read_text().split()[0]
    meta = json.loads(raw)["meta"]
    assert meta["corpus_sha256"] == train.corpus_sha256(), "run `make phi-train`"
    assert not raw.startswith(b"\x80"), "never a pickle"


def test_altered_artefact_is_refused(tmp_path: Path) -> None:
    data = json.loads(MODEL_PATH.read_bytes())
    data["intercept"] += 1
    altered = tmp_path / "m.json"
    altered.write_text(json.dumps(data))
    sha = tmp_path / "m.json.sha256"
    sha.write_text(MODEL_SHA_PATH.read_text())
    with pytest.raises(ModelError, match="SHA-256"):
        LinearModel.load(altered, sha)
    data["format"] = "pickle"
    altered.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="format"):
        LinearModel.load(altered, None)
    with pytest.raises(ModelError, match="not found"):
        LinearModel.load(tmp_path / "missing.json", None)


def test_corpus_is_valid_recorded_and_free_of_duplicates() -> None:
    assert corpus_build.check() == []


@pytest.fixture
def small_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """A 40-reply corpus in ``tmp_path`` (the checks against evaluation sets need no
    more, and the whole corpus's check runs once, in the test above)."""
    rows = corpus_build.read_jsonl(train.corpus_files()[0])[:40]
    corpus = tmp_path / "corpus"
    monkeypatch.setattr(corpus_build, "CORPUS_DIR", corpus)
    monkeypatch.setattr(corpus_build, "MANIFEST", corpus / "MANIFEST.json")
    batch = tmp_path / "small.jsonl.in"
    batch.write_text("".join(json.dumps(r) + "\n" for r in rows))
    corpus_build.add(batch, "small", "a brief", "a writer")
    return corpus_build.read_jsonl(corpus / "small.jsonl")


def test_corpus_check_refuses_near_duplicates_of_any_holdout_file(
    tmp_path: Path, small_corpus: list[dict[str, object]]
) -> None:
    """New blind holdouts land in ``bench/data/holdouts/`` next to other files; a corpus
    reply close to any of their replies, or to the real-world set's, is a problem."""
    rows = small_corpus
    holdouts = tmp_path / "holdouts"
    holdouts.mkdir()
    (holdouts / "README.md").write_text("blind holdouts go here\n")
    (holdouts / "holdout-j.notes.txt").write_text("not a set\n")
    near = dict(rows[0], id="hj-1", reply=f"{rows[0]['reply']} Thanks again.")
    (holdouts / "holdout-j.jsonl").write_text(json.dumps(near) + "\n")
    realworld = tmp_path / "phi-realworld.jsonl"
    realworld.write_text(json.dumps(dict(rows[1], id="rw-1")) + "\n")
    problems = corpus_build.check(eval_sets=(holdouts, realworld, tmp_path / "missing.jsonl"))
    assert problems == [
        "small.jsonl:1: near-duplicate reply",
        "small.jsonl:2: near-duplicate reply",
    ]
    assert corpus_build.check(eval_sets=(tmp_path / "no-such-dir",)) == []


def test_adding_a_batch_leaves_a_corpus_that_passes_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's rows change the corpus's n-gram weights; whatever they make close is
    dropped when the batch is added, so the committed check never finds it later."""
    corpus = tmp_path / "corpus"
    monkeypatch.setattr(corpus_build, "CORPUS_DIR", corpus)
    monkeypatch.setattr(corpus_build, "MANIFEST", corpus / "MANIFEST.json")
    rows = corpus_build.read_jsonl(train.corpus_files()[0])[:40]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[:30]))
    copy = dict(rows[3], id="copy")
    second.write_text("".join(json.dumps(r) + "\n" for r in [*rows[30:], copy]))
    corpus_build.add(first, "first", "a brief", "a writer")
    entry = corpus_build.add(second, "second", "another brief", "a writer")
    assert entry["rows"] == 10 and entry["dropped_duplicates"] == 1
    assert corpus_build.check() == []


def test_batches_added_with_the_check_deferred_are_checked_once_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several batches joined at once: ``add --defer-check`` leaves the whole-corpus check
    (and what it would drop) to one ``check --fix`` after the last batch."""
    corpus = tmp_path / "corpus"
    monkeypatch.setattr(corpus_build, "CORPUS_DIR", corpus)
    monkeypatch.setattr(corpus_build, "MANIFEST", corpus / "MANIFEST.json")
    monkeypatch.setattr(corpus_build, "EVAL_SETS", ())
    rows = corpus_build.read_jsonl(train.corpus_files()[0])[:30]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[:20]))
    second.write_text("".join(json.dumps(r) + "\n" for r in rows[20:]))

    def add(path: Path, name: str, *flags: str) -> int:
        return corpus_build.main(["add", str(path), "--name", name, "--brief", "b", *flags])

    assert add(first, "first", "--defer-check") == 0
    # a problem already in the corpus (a copied reply) that only the whole check finds
    with (corpus / "first.jsonl").open("a") as f:
        f.write(json.dumps(dict(rows[3], id="first-copy"), sort_keys=True) + "\n")
    assert add(second, "second", "--defer-check") == 0
    assert corpus_build.check() == [
        "first.jsonl: changed since MANIFEST.json recorded it",
        "first.jsonl:21: near-duplicate reply",
    ]
    assert corpus_build.main(["check", "--fix"]) == 0
    assert corpus_build.check() == []
    # without the flag, adding a batch runs the check and drops the copy itself
    with (corpus / "first.jsonl").open("a") as f:
        f.write(json.dumps(dict(rows[3], id="first-copy"), sort_keys=True) + "\n")
    assert add(second, "second") == 0
    assert corpus_build.check() == []


def test_a_reply_holding_a_line_separator_survives_adding_and_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus is written with ensure_ascii off, so U+2028 stays raw in a line."""
    corpus = tmp_path / "corpus"
    monkeypatch.setattr(corpus_build, "CORPUS_DIR", corpus)
    monkeypatch.setattr(corpus_build, "MANIFEST", corpus / "MANIFEST.json")
    rows = corpus_build.read_jsonl(train.corpus_files()[0])[:5]
    rows[2] = dict(rows[2], reply=rows[2]["reply"] + "\u2028Thank you.\u2029")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in rows))
    corpus_build.add(batch, "separators", "a brief", "a writer")
    written = corpus / "separators.jsonl"
    assert "\u2028" in written.read_text(encoding="utf-8")
    loaded = train.load_rows([written])
    assert len(loaded) == 5 and loaded[2].reply.endswith("\u2028Thank you.\u2029")


@pytest.mark.usefixtures("small_corpus")
def test_an_empty_holdouts_folder_works(tmp_path: Path) -> None:
    """Every blind holdout may have joined the corpus: a holdouts folder with only its
    README (or no folder at all) is no evaluation set, for the corpus check and for
    ``bench/phi_compare.py`` alike."""
    import importlib.util

    holdouts = tmp_path / "holdouts"
    holdouts.mkdir()
    (holdouts / "README.md").write_text("blind holdouts go here\n")
    assert corpus_build.check(eval_sets=(holdouts,)) == []
    path = Path(__file__).resolve().parents[3] / "bench" / "phi_compare.py"
    spec = importlib.util.spec_from_file_location("phi_compare", path)
    assert spec is not None and spec.loader is not None
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    for folder in (holdouts, tmp_path / "no-such-dir"):
        names = [name for name, _ in compare.eval_sets(folder)]
        assert not any(name.startswith("holdout") for name in names)
        assert names[-1:] == ["real-world"]


def test_corpus_covers_every_kind_and_spanish() -> None:
    rows = train.load_rows(train.corpus_files())
    assert len(rows) >= 6000
    unsafe = sum(r.unsafe for r in rows)
    assert 0.4 <= unsafe / len(rows) <= 0.6
    assert sum(r.lang == "es" for r in rows) / len(rows) >= 0.15
    for kind in FINDING_KINDS:
        assert sum(kind in r.kinds for r in rows) >= 100, kind


def test_retraining_reproduces_the_artefact() -> None:
    """The committed model is what `make phi-train` makes from the committed corpus."""
    content, _report = train.train()
    fresh = json.loads(train.dump(content))
    committed = json.loads(MODEL_PATH.read_bytes())
    assert fresh["meta"]["corpus_sha256"] == committed["meta"]["corpus_sha256"]
    assert fresh["threshold"] == pytest.approx(committed["threshold"], abs=0.011)
    assert fresh["feature_names"] == committed["feature_names"]
    assert fresh["feature_idf"] == committed["feature_idf"]
    assert fresh["stage2"] == committed["stage2"]
    drift = max(
        abs(a - b)
        for a, b in zip(fresh["feature_weight"], committed["feature_weight"], strict=True)
    )
    assert drift < 1e-3


# --- the decision ----------------------------------------------------------------------


def test_one_disclosing_sentence_in_a_long_friendly_reply(phi_screen: PhiScreen) -> None:
    friendly = (
        "Thank you so much for taking the time to write to us. Our whole team reads every "
        "review, and comments like yours help us improve the experience for every family "
        "who walks through our doors. We have shared your kind words with our staff, who "
        "work hard every day and will be delighted to hear them. "
    )
    leak = "Your MRI on Thursday showed the torn meniscus we suspected. "
    closing = "We look forward to seeing the whole community at our open house this spring!"
    safe = run(phi_screen, friendly + closing, "Pat Reyes", "Great staff.")
    assert safe.verdict == "pass"
    reply = friendly + leak + closing
    result = run(phi_screen, reply, "Pat Reyes", "Great staff.")
    assert result.verdict == "block"
    start = reply.index(leak)
    sentence = [f for f in result.findings if f.start == start]
    assert sentence, result.findings
    assert all(f.end <= start + len(leak) for f in sentence)


def test_classifier_findings_name_the_words_that_weighed_most(phi_screen: PhiScreen) -> None:
    result = run(
        phi_screen,
        "We're glad the new inhaler is finally keeping your asthma under control.",
        "Lee Park",
        "Long wait at the pharmacy.",
    )
    assert result.verdict == "block"
    for f in result.findings:
        assert f.kind in FINDING_KINDS and f.reason and f.suggestion
        assert "model" not in f.reason.lower()
    assert any("Words that weighed most" in f.reason for f in result.findings)


def test_the_words_named_as_weighing_most_are_never_function_words(
    phi_screen: PhiScreen,
) -> None:
    from workflows.phi.explain import FUNCTION_WORDS

    replies = [
        "Your note about the lifts is a fair one, and the new signs are on the way.",
        "We saw you on Tuesday for the cast on your wrist and the X-ray.",
        "Lo sentimos, su cita del martes con el doctor fue en la clínica.",
    ]
    named = []
    for reply in replies:
        for f in run(phi_screen, reply, "Lee Park", "Long wait.").findings:
            if "Words that weighed most:" in f.reason:
                named += re.findall(r"“([^”]+)”", f.reason.split("weighed most:")[1])
    assert named, "no finding named its words"
    assert not {w.lower() for w in named} & FUNCTION_WORDS, named


def test_threshold_setting_moves_the_decision(presidio_screen: ClassifierPhiScreen) -> None:
    strict = ClassifierPhiScreen(presidio_screen.analyser, presidio_screen.model, threshold=1e-9)
    lenient = ClassifierPhiScreen(presidio_screen.analyser, presidio_screen.model, threshold=0.99)
    reply = "Thanks for the feedback about our parking garage."
    assert run(strict, reply).verdict == "block"
    assert run(lenient, reply).verdict == "pass"
    # identifiers block whatever the threshold
    assert run(lenient, "Your MRN is 00482913.").verdict == "block"


def test_second_stage_trees_read_from_json_match_scikit_learn() -> None:
    """The exported trees (plain lists, no pickle) give scikit-learn's probabilities."""
    import numpy as np

    rng = np.random.default_rng(7)
    X = rng.normal(size=(400, len(SUMMARY)))
    y = (X[:, 0] * X[:, 7] + 0.3 * rng.normal(size=400) > 0).astype(int)
    exported = json.loads(json.dumps(train.fit_trees(X.tolist(), y.tolist(), train.SEED)))
    trees = Trees.of(exported)
    expected = train.second_stage(train.SEED).fit(X, y).predict_proba(X)[:, 1]
    got = np.array([trees.probability(x) for x in X.tolist()])
    assert np.abs(got - expected).max() < 1e-9


@cache
def committed_trees() -> Trees:
    trees = LinearModel.load().stage2
    assert trees is not None
    return trees


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=len(SUMMARY), max_size=len(SUMMARY)),
    st.sampled_from(train.MONOTONE),
    st.floats(0.01, 8),
)
def test_second_stage_never_falls_as_a_linear_score_rises(
    summary: list[float], name: str, rise: float
) -> None:
    """A reply that scores higher on the linear model is never judged safer by the trees
    (a full name in place of a first name once dropped a disclosure's probability from
    0.93 to 0.02)."""
    trees = committed_trees()
    higher = list(summary)
    higher[SUMMARY.index(name)] += rise
    assert trees.probability(higher) >= trees.probability(summary) - 1e-12


def test_committed_model_has_its_second_stage() -> None:
    data = json.loads(MODEL_PATH.read_bytes())
    assert data["stage2"]["summary"] == list(SUMMARY)
    model = LinearModel(data)
    assert model.stage2 is not None and 0 < model.threshold < 1
    del data["stage2"]
    assert LinearModel(data).stage2 is None


def test_a_second_stage_trained_on_another_summary_is_refused() -> None:
    """The trees index the summary by position: read with another summary, they would
    weigh the wrong values without a word of warning."""
    data = json.loads(MODEL_PATH.read_bytes())
    data["stage2"]["summary"] = list(SUMMARY)[:-1]
    with pytest.raises(ModelError, match="another summary"):
        LinearModel(data)


def test_the_loaded_columns_hold_the_artefact_s_numbers_by_name() -> None:
    """The idf and weight columns are packed arrays behind one name index: each name
    reads back its own numbers, an unknown name is not in them, and an artefact whose
    three feature arrays differ in length is refused."""
    data = json.loads(MODEL_PATH.read_bytes())
    model = LinearModel(data)
    names = data["feature_names"]
    assert len(model.idf) == len(model.weight) == len(names)
    for i in (0, 1, len(names) // 2, len(names) - 1):
        assert model.idf[names[i]] == data["feature_idf"][i]
        assert model.weight[names[i]] == data["feature_weight"][i]
    assert "no such feature" not in model.idf and names[-1] in model.weight
    with pytest.raises(KeyError):
        model.weight["no such feature"]
    data["feature_weight"] = data["feature_weight"][:-1]
    with pytest.raises(ModelError, match="malformed"):
        LinearModel(data)


def _decided(
    unsafe: list[tuple[float, float]], safe: list[tuple[float, float]]
) -> tuple[list[train.Decision], list[float], list[train.Row]]:
    """Out-of-fold views from (second-stage probability, worst sentence) pairs."""
    from workflows.phi.types import MentionContext

    decisions, probs, rows = [], [], []
    for label, pairs in ((True, unsafe), (False, safe)):
        for p, sentence in pairs:
            decisions.append(train.Decision(p, sentence, False, ()))
            probs.append(p)
            rows.append(train.Row(str(len(rows)), "", MentionContext("", ""), label, (), "en"))
    return decisions, probs, rows


def test_a_sentence_blocks_alone_only_when_that_blocks_fewer_safe_replies() -> None:
    """Five disclosures that the second stage underrates but whose one sentence scores
    0.99: blocking on that sentence lets the second stage's threshold rise, so fewer
    safe replies are blocked at the same recall. When safe replies' sentences score as
    high, no sentence block is chosen."""
    underrated = [(0.9, 0.5)] * 95 + [(0.1, 0.99)] * 5
    quiet_safe = [(i / 200, 0.3) for i in range(100)]
    t, _st, block = train.choose_thresholds(*_decided(underrated, quiet_safe), 0.98)
    assert block < 1.0 and t > 0.5
    loud_safe = [(i / 200, 0.99) for i in range(100)]
    t, _st, block = train.choose_thresholds(*_decided(underrated, loud_safe), 0.98)
    assert block == 1.0 and t <= 0.1


def test_a_sentence_block_of_never_blocks_no_sentence_even_one_scoring_one() -> None:
    assert not sentence_blocks(1.0, NEVER)
    assert sentence_blocks(0.8, 0.8) and not sentence_blocks(0.79, 0.8)
    # a sentence that rounds to 1.0 is no block when cross-validation chose none
    decisions, probs, rows = _decided([(0.9, 1.0)] * 10, [(0.1, 1.0)] * 10)
    report = train.cv_report(decisions, probs, rows, 0.5, NEVER)
    assert report["all"]["false_block"] == 0.0 and report["all"]["recall"] == 1.0


def test_a_sentence_at_the_sentence_block_blocks_whatever_the_second_stage_says(
    presidio_screen: ClassifierPhiScreen,
) -> None:
    import copy

    model = copy.copy(presidio_screen.model)
    # a threshold the second stage never reaches: only the sentence block can block
    screen = ClassifierPhiScreen(presidio_screen.analyser, model, threshold=1.0 + 1e-9)
    leak = "Thanks for the note. We hope the new inhaler is keeping your asthma under control."
    benign = "Thanks for the feedback about our parking garage."
    model.sentence_block = NEVER
    assert run(screen, leak, "Lee Park").verdict == "pass"
    model.sentence_block = 0.5
    result = run(screen, leak, "Lee Park")
    assert result.verdict == "block"
    assert all(f.start >= leak.index("We hope") for f in result.findings), result.findings
    assert run(screen, benign, "Lee Park").verdict == "pass"


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        ("My son waited four hours in your ER.", ["c:mention_first_person"]),
        ("¿Mi hija puede ir sola a la cita?", ["c:mention_first_person", "c:mention_question"]),
        ("POV: night shift ER tech at 4am #nightshift", []),
        ("do y'all have to pay to park at the ER at night", []),
        ("Is the blood drive still on this Saturday?", ["c:mention_question"]),
        ("we waited all night", ["c:mention_first_person"]),
    ],
)
def test_mention_cues_say_whether_the_writer_speaks_of_themselves_and_asks(
    mention: str, expected: list[str]
) -> None:
    assert mention_cues((t.key for t in tokenize(mention)), mention) == expected


def test_every_segment_of_a_reply_carries_the_mention_s_cues() -> None:
    terms = model_terms(tokenize("see you soon"), [])
    assert cues(terms, [], frozenset(), False, ["c:mention_question"])[-1:] == [
        "c:mention_question"
    ]
    assert cues([], [], frozenset(), False, ["c:mention_question"]) == []


def test_near_duplicates_are_the_same_whatever_the_block_size() -> None:
    """The corpus is compared with itself a block of rows at a time; a pair split across
    blocks, a copy of a copy and an exact repeat are judged as in one block."""
    replies = [
        "Thank you for sharing this with us; please call our office so we can help.",
        "Parking on level two is reserved for visitors from Monday.",
        "Thank you for sharing this with us; please call our office so we can help!",
        "We're glad your knee surgery went well last Tuesday.",
        "Parking on level two is reserved for visitors from Monday.",
        "We are glad your knee surgery went so well last Tuesday.",
        "Our lab opens at seven every weekday.",
    ]
    reference = ["Our lab opens at seven every weekday!", "Something else entirely."]
    whole = corpus_build.near_duplicates(replies, reference, block=len(replies))
    assert whole == [False, False, True, False, True, True, True]
    for block in (1, 2, 3):
        assert corpus_build.near_duplicates(replies, reference, block=block) == whole
        # the blocks compared in two forked processes, the verdicts settled in order
        assert corpus_build.near_duplicates(replies, reference, block, workers=2) == whole
    assert corpus_build.near_duplicates(replies, [], block=2, workers=2) == [
        False,
        False,
        True,
        False,
        True,
        True,
        False,
    ]


def _rows_from(sources: dict[str, tuple[int, int]]) -> list[train.Row]:
    """Rows of batches: source -> (unsafe, safe) counts."""
    from workflows.phi.types import MentionContext

    rows = []
    for source, (unsafe, safe) in sources.items():
        for k in range(unsafe + safe):
            rows.append(
                train.Row(f"{source}-{k}", "", MentionContext("", ""), k < unsafe, (), "en", source)
            )
    return rows


def test_cross_validation_holds_out_each_writers_batch_whole() -> None:
    """Every reply is scored by a model that saw nothing of its writer's batch, as a
    blind holdout is; each row is tested exactly once."""
    rows = _rows_from({f"batch-{b}": (6 + b % 3, 5 + b % 4) for b in range(30)})
    tested: list[int] = []
    for train_idx, test_idx in train.folds(rows, train.SEED):
        assert {rows[i].source for i in train_idx}.isdisjoint({rows[i].source for i in test_idx})
        tested.extend(test_idx)
    assert sorted(tested) == list(range(len(rows)))


def test_training_in_several_processes_makes_the_same_artefact(tmp_path: Path) -> None:
    """The six fits (five folds and the final model) are spread over forked workers; the
    artefact is byte for byte the one a single process makes."""
    rows = [r for path in train.corpus_files()[:8] for r in corpus_build.read_jsonl(path)]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "batch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:400]))
    one, _ = train.train(corpus, workers=1)
    two, _ = train.train(corpus, workers=2)
    assert train.dump(one) == train.dump(two)
    assert one["meta"]["rows"] == 400


def test_workers_are_bounded_by_cores_fits_and_memory() -> None:
    gb = 1024**3
    assert train.default_workers(60_000, available=64 * gb, cpus=2) == 2
    assert train.default_workers(60_000, available=64 * gb, cpus=32) == train.FOLDS + 1
    # about 8.4 GB a worker at 60,000 replies: 12 GB holds one, unknown memory one
    assert train.default_workers(60_000, available=12 * gb, cpus=8) == 1
    assert train.default_workers(60_000, available=0, cpus=8) == 1
    assert train.default_workers(1_000, available=16 * gb, cpus=8) == 6


def test_a_corpus_of_few_batches_is_split_by_row() -> None:
    rows = _rows_from({"one": (20, 20), "two": (20, 20)})
    for train_idx, test_idx in train.folds(rows, train.SEED):
        assert {rows[i].source for i in test_idx} == {"one", "two"}
        assert len(train_idx) + len(test_idx) == len(rows)


def test_thresholds_are_chosen_on_blind_written_batches_when_there_are_enough() -> None:
    """The blind-written batches' disclosures score high and their safe replies low;
    the briefs' hard cases sit in the middle. Calibrated on the blind batches, the
    threshold is high; on a corpus with too few blind rows, every row counts."""
    brief = _rows_from({"minimal-pairs": (400, 400)})
    blind = _rows_from({"learned-holdout-x": (600, 600)})
    rows = brief + blind
    decisions, probs = [], []
    for r in rows:
        p = (0.9 if r.unsafe else 0.1) if r.blind_written else (0.4 if r.unsafe else 0.3)
        decisions.append(train.Decision(p, 0.0, False, ()))
        probs.append(p)
    assert train.calibration(rows) == list(range(len(brief), len(rows)))
    t, _st, _block = train.calibrated_thresholds(decisions, probs, rows)
    assert t >= 0.85
    few = brief + blind[:400] + blind[600:]  # 400 blind unsafe: too few to calibrate on
    assert train.calibration(few) == list(range(len(few)))
    t, _st, _block = train.calibrated_thresholds(
        [decisions[rows.index(r)] for r in few], [probs[rows.index(r)] for r in few], few
    )
    assert t <= 0.4
