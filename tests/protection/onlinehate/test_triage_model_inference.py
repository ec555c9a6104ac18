"""Issue 17: the shipped model's probabilities, batches and explanations."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings

from kommunalschutz.protection.onlinehate import classifier, training

MESSAGES = [
    "@spdde Ihr seid doch alle dumme Arschlöcher und Volksverräter!!! |LBR| Verpisst euch",
    "Danke für die Einladung, wir kommen gern zur Ratssitzung am Dienstag.",
    "Diese Scheiße glaubt doch kein Mensch 😂 https://example.org/x?y=1",
    "İSTANBUL und ÖSTERREICH: Der Bürgermeister ist ein Idiot",
    "",
    "   ",
    "|LBR||LBR|@a@b",
    "Halt die Fresse, du Hurensohn",
]


@pytest.fixture(scope="module")
def model() -> classifier.TriageModel:
    return classifier.load_model(classifier.SHIPPED_MODEL)


def test_probabilities_are_probabilities(model: classifier.TriageModel) -> None:
    for prediction in model.predict(MESSAGES):
        assert 0.0 <= prediction.p_offense <= 1.0
        assert list(prediction.fine) == list(classifier.TASK2_LABELS)
        assert all(0.0 <= p <= 1.0 for p in prediction.fine.values())
        assert sum(prediction.fine.values()) == pytest.approx(1.0, abs=1e-9)
        assert prediction.task1 in classifier.TASK1_LABELS
        assert prediction.task2 in classifier.TASK2_LABELS


def test_a_batch_is_predicted_as_its_messages_one_by_one(model: classifier.TriageModel) -> None:
    batch = model.predict(MESSAGES)
    one_by_one = [model.predict([message])[0] for message in MESSAGES]
    for together, alone in zip(batch, one_by_one, strict=True):
        assert (together.task1, together.task2) == (alone.task1, alone.task2)
        assert together.p_offense == pytest.approx(alone.p_offense, abs=1e-12)
        assert together.fine == pytest.approx(alone.fine, abs=1e-12)
    assert model.predict([]) == []


def test_clear_cases(model: classifier.TriageModel) -> None:
    offensive, harmless = model.predict([MESSAGES[7], MESSAGES[1]])
    assert offensive.task1 == "OFFENSE" and offensive.p_offense > 0.8
    assert harmless.task1 == "OTHER" and harmless.task2 == "OTHER" and harmless.p_offense < 0.3


def test_fragments_are_the_original_text_at_their_offsets(model: classifier.TriageModel) -> None:
    for message in MESSAGES:
        fragments = model.explain(message, limit=10)
        for fragment in fragments:
            assert fragment.text == message[fragment.start:fragment.end]
            assert fragment.text.strip() and fragment.weight > 0
        assert [f.weight for f in fragments] == sorted((f.weight for f in fragments), reverse=True)
        spans = sorted((f.start, f.end) for f in fragments)
        assert all(end <= start for (_s, end), (start, _e) in itertools.pairwise(spans))  # no overlap
    assert len(model.explain(MESSAGES[0], limit=2)) <= 2
    assert model.explain(MESSAGES[0], limit=0) == []


def test_the_strongest_fragment_holds_the_insult(model: classifier.TriageModel) -> None:
    top = model.explain(MESSAGES[7])[0]
    assert "Hurensohn" in top.text or "Fresse" in top.text
    top = model.explain("Der Bürgermeister ist ein Arschloch")[0]
    assert "Arschloch" in top.text


def test_missing_model_and_the_configured_path(tmp_path: Path) -> None:
    with pytest.raises(classifier.ModelMissing):
        classifier.load_model(tmp_path / "fehlt.zip")
    not_a_model = tmp_path / "kaputt.zip"
    not_a_model.write_bytes(b"kein Modell")
    with pytest.raises(classifier.ModelMissing):
        classifier.load_model(not_a_model)
    with override_settings(TRIAGE_MODEL_PATH=str(tmp_path / "fehlt.zip")):
        assert classifier.model_path() == tmp_path / "fehlt.zip"
    assert classifier.model_path() == classifier.SHIPPED_MODEL


def test_loading_is_cached_per_file(model: classifier.TriageModel) -> None:
    assert classifier.load_model() is classifier.load_model(classifier.SHIPPED_MODEL)
    assert len(model.version) == 16


def test_the_hybrid_task1_from_the_stack_task2_as_the_linear_model(model: classifier.TriageModel) -> None:
    """Shipped: P(OFFENSE) and task 1 from the stacked meta-learner; task 2 decided exactly as the linear
    model alone decides it (its own probabilities and rule); ``fine`` the linear P(kind | offensive) times the
    stack's P(OFFENSE)."""
    stack = model.spec["stack"]
    assert model.spec["config"]["task1"] == "stack"
    assert stack["message_features"]["lexicon"] == training.read_lexicon()
    texts = MESSAGES + training.read_corpus(training.GERMEVAL_TRAINING).texts[:300]
    p_linear, fine_linear = model.linear_probabilities(model.matrix(texts))
    _linear1, linear2 = classifier.decide(model.spec["decision"], p_linear, fine_linear)
    predictions = model.predict(texts)
    assert [p.task2 for p in predictions] == linear2
    p_offense = np.array([p.p_offense for p in predictions])
    assert [p.task1 for p in predictions] == ["OFFENSE" if p >= stack["threshold"] else "OTHER" for p in p_offense]
    assert not np.allclose(p_offense, p_linear)  # the stack's probability, not the linear one
    for prediction, linear, kinds in zip(predictions, p_linear, fine_linear, strict=True):
        assert prediction.fine["OTHER"] == pytest.approx(1.0 - prediction.p_offense, abs=1e-12)
        if linear > 1e-9:
            for k, label in enumerate(classifier.TASK2_LABELS[:3]):
                assert prediction.fine[label] == pytest.approx(kinds[k] / linear * prediction.p_offense, abs=1e-9)


def test_message_features() -> None:
    rows = classifier.message_features(["Du ARSCHloch!! @a https://x.y 😂", ""], ["arsch"])
    assert rows.shape == (2, len(classifier.MESSAGE_FEATURES))
    assert rows[0].tolist()[2:] == [2.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert rows[1].tolist() == [0.0] * len(classifier.MESSAGE_FEATURES)
    assert classifier.message_features([], ["arsch"]).shape == (0, len(classifier.MESSAGE_FEATURES))
