"""The triage model at run time: calibrated probabilities that a message is offensive (GermEval 2018 task 1)
and of its kind (task 2), the decisions, and the fragments of the message that weighed most (issue 17).

Inference needs only numpy and scipy; scikit-learn is for training (training.py). The model file is a zip
(stored with fixed time stamps, so the same model gives the same bytes) holding ``model.json`` (features,
vocabularies, calibration, decision rule) and ``.npy`` arrays (idf, weights) read with allow_pickle=False:
loading it never runs code from the file. See docs/protection/triage-model.md.

Features (``analyse``): the message is normalised (``|LBR|`` to a space, @-mentions to ``@user``, links to
``<url>``, lower case character by character) while every normalised character remembers the span of the
original text it came from, so each n-gram maps back to ``text[start:end]`` for the explanations.

The shipped model is a *hybrid*: P(OFFENSE) and task 1 come from a stacked logistic regression (``stack`` in
``model.json``: the decision values of three linear base scorers, ``stack_coef.npy``, and message features,
standardised); task 2 is decided by the linear scorers (``coef1``/``coef2``) exactly as without the stack.
The explanations are the linear scorers' contributions (``coef1``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.utils.translation import gettext as _
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type information here

from kommunalschutz.protection.onlinehate.germeval import LINE_BREAK, TASK1_LABELS, TASK2_LABELS

__all__ = ["TASK1_LABELS", "TASK2_LABELS", "Fragment", "ModelMissing", "Prediction", "TriageModel", "analyse",
           "load_model", "model_path"]

SHIPPED_MODEL = Path(__file__).resolve().parent / "data" / "triage-model.zip"
FORMAT = "kommunalschutz-triage-model"
FORMAT_VERSION = 2  # 2: an optional stacked task 1 ("stack"); files of version 1 still load

FloatArray = npt.NDArray[np.float64]

MENTION = "@user"
LINK = "<url>"
_SPECIAL = re.compile(r"\|LBR\||https?://\S+|www\.\S+|@\w+")
_TOKEN = re.compile(r"@user|<url>|\w+|[^\w\s]")


@dataclass(frozen=True)
class Fragment:
    """A part of the original message that weighed towards "offensive"; ``text == message[start:end]``."""

    text: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class Prediction:
    p_offense: float  # calibrated P(OFFENSE)
    fine: dict[str, float]  # calibrated P per TASK2_LABELS, sums to 1
    task1: str  # predicted task 1 label
    task2: str  # predicted task 2 label


class ModelMissing(Exception):
    """No model file where one was expected (the message is translated)."""


class ModelInvalid(ModelMissing):
    """A file that is not a triage model of this format."""


@dataclass(frozen=True)
class Analysed:
    """A message's features: the normalised tokens with their spans in the original text."""

    tokens: tuple[tuple[str, int, int], ...]  # (normalised token, original start, original end)


def _normalise(text: str) -> tuple[str, list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def copy(begin: int, end: int) -> None:
        for index in range(begin, end):
            char = text[index]
            lower = char.lower()
            chars.append(lower if len(lower) == 1 else char)  # "İ".lower() has two characters: keep one
            starts.append(index)
            ends.append(index + 1)

    position = 0
    for match in _SPECIAL.finditer(text):
        copy(position, match.start())
        token = match.group()
        replacement = " " if token == LINE_BREAK else MENTION if token.startswith("@") else LINK
        for char in replacement:
            chars.append(char)
            starts.append(match.start())
            ends.append(match.end())
        position = match.end()
    copy(position, len(text))
    return "".join(chars), starts, ends


def analyse(text: str) -> Analysed:
    """The message's tokens, normalised, each with the span of the original text it stands for."""
    normal, starts, ends = _normalise(text)
    return Analysed(tuple((m.group(), starts[m.start()], ends[m.end() - 1]) for m in _TOKEN.finditer(normal)))


def word_features(analysed: Analysed) -> Iterator[tuple[str, int, int]]:
    """Word unigrams and bigrams, each with its original span."""
    tokens = analysed.tokens
    for index, (token, start, end) in enumerate(tokens):
        yield "w " + token, start, end
        if index + 1 < len(tokens):
            following, _start, following_end = tokens[index + 1]
            yield "b " + token + " " + following, start, following_end


def char_features(analysed: Analysed, low: int, high: int) -> Iterator[tuple[str, int, int]]:
    """Character n-grams (low..high) inside each token padded with a space on both sides (like scikit-learn's
    char_wb), each with the original span of the token's characters it covers."""
    for token, start, end in analysed.tokens:
        padded = " " + token + " "
        whole = token in (MENTION, LINK) or len(token) != end - start  # a replacement: its span is all
        for n in range(low, high + 1):
            for offset in range(len(padded) - n + 1):
                if whole:
                    yield "c " + padded[offset:offset + n], start, end
                else:
                    first = max(offset - 1, 0)
                    last = min(offset + n - 1, len(token))  # exclusive, in token characters
                    yield "c " + padded[offset:offset + n], start + first, start + last


def _softmax(z: FloatArray) -> FloatArray:
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def _sigmoid(z: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|
    return result


MESSAGE_FEATURES = ("ln_length", "capital_share", "exclamations", "questions", "mentions", "links", "emoji",
                    "lexicon_hits")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")
_WORD = re.compile(r"\w+")
_MENTIONS = re.compile(r"@\w+")
_LINKS = re.compile(r"https?://\S+|www\.\S+")
# ln(1e9): the stack's task 1 log-odds are bounded as the log of probabilities clipped to [1e-9, 1].
LOGIT_LIMIT = math.log(1e9)


def message_features(texts: Sequence[str], lexicon: Sequence[str]) -> FloatArray:
    """Per message (MESSAGE_FEATURES): length (ln(1 + characters)), share of capitals among letters, "!" and
    "?" counts, mentions, links, emoji, and lexicon hits (words starting with a lexicon term)."""
    terms = tuple(lexicon)
    rows = []
    for text in texts:
        letters = [ch for ch in text if ch.isalpha()]
        words = _WORD.findall(text.replace(LINE_BREAK, " ").lower())
        hits = sum(1 for word in words if word.startswith(terms)) if terms else 0
        rows.append([math.log1p(len(text)), sum(ch.isupper() for ch in letters) / max(1, len(letters)),
                     text.count("!"), text.count("?"), len(_MENTIONS.findall(text)), len(_LINKS.findall(text)),
                     len(_EMOJI.findall(text)), hits])
    return np.array(rows, dtype=np.float64).reshape(len(texts), len(MESSAGE_FEATURES))


def stack_log_odds(stack: dict[str, Any], bases: FloatArray, extras: FloatArray) -> FloatArray:
    """The stacked task 1 meta-learner's log-odds of OFFENSE: a logistic regression on the standardised base
    decision values and message features, bounded to +-LOGIT_LIMIT."""
    features = np.hstack([bases, extras])
    scaled = (features - np.asarray(stack["scaler"]["mean"])) / np.asarray(stack["scaler"]["scale"])
    z: FloatArray = np.clip(scaled @ np.asarray(stack["weights"]) + float(stack["intercept"]), -LOGIT_LIMIT,
                            LOGIT_LIMIT)
    return z


def decide(rule: dict[str, Any], p_offense: FloatArray, fine: FloatArray) -> tuple[list[str], list[str]]:
    """Task 1: OFFENSE iff P(OFFENSE) >= the threshold. Task 2: the label with the largest log P + bias; with
    ``consistent``, OTHER iff task 1 is OTHER, else the largest of the three offensive labels."""
    task1 = [TASK1_LABELS[0] if p >= rule["threshold"] else TASK1_LABELS[1] for p in p_offense]
    scores = np.log(np.clip(fine, 1e-12, 1.0)) + np.asarray(rule["bias"])
    task2 = []
    for index, label1 in enumerate(task1):
        if rule["consistent"]:
            task2.append("OTHER" if label1 == "OTHER" else TASK2_LABELS[int(np.argmax(scores[index, :3]))])
        else:
            task2.append(TASK2_LABELS[int(np.argmax(scores[index]))])
    return task1, task2


class Features:
    """TF-IDF of word uni- and bigrams and of character n-grams, as at training: sublinear term frequency
    (1 + ln tf) times idf, each block L2-normalised and multiplied by its weight; word block first."""

    def __init__(self, spec: dict[str, Any], vocabulary: dict[str, list[str]], idf: dict[str, FloatArray]) -> None:
        self.char_range = (int(spec["char_min"]), int(spec["char_max"]))
        self.blocks = ("word", "char")
        self.index = {block: {term: i for i, term in enumerate(vocabulary[block])} for block in self.blocks}
        self.idf = {block: np.asarray(idf[block], dtype=np.float64) for block in self.blocks}
        self.weight = {"word": float(spec["word_weight"]), "char": float(spec["char_weight"])}
        self.offset = {"word": 0, "char": len(vocabulary["word"])}
        self.dimension = len(vocabulary["word"]) + len(vocabulary["char"])

    def terms(self, block: str, analysed: Analysed) -> Iterator[tuple[str, int, int]]:
        if block == "word":
            return word_features(analysed)
        return char_features(analysed, *self.char_range)

    def counts(self, text: str) -> dict[str, dict[str, int]]:
        """Each block's terms of the message with their counts (known to the vocabulary or not)."""
        analysed = analyse(text)
        result: dict[str, dict[str, int]] = {}
        for block in self.blocks:
            counted: dict[str, int] = {}
            for term, _start, _end in self.terms(block, analysed):
                counted[term] = counted.get(term, 0) + 1
            result[block] = counted
        return result

    def values(self, block: str, counts: dict[int, int]) -> tuple[list[int], FloatArray]:
        """Column indices (within the block) and TF-IDF values of a message's known terms."""
        indices = sorted(counts)
        idf = self.idf[block]
        values = np.array([(1.0 + math.log(counts[i])) * idf[i] for i in indices], dtype=np.float64)
        norm = float(np.sqrt(np.dot(values, values)))
        if norm > 0:
            values *= self.weight[block] / norm
        return indices, values

    def matrix_from_counts(self, documents: Sequence[dict[str, dict[str, int]]]) -> sparse.csr_matrix:
        indptr = [0]
        columns: list[int] = []
        values: list[FloatArray] = []
        for counted in documents:
            for block in self.blocks:
                vocabulary = self.index[block]
                known: dict[int, int] = {}
                for term, count in counted[block].items():
                    index = vocabulary.get(term)
                    if index is not None:
                        known[index] = count
                if known:
                    indices, block_values = self.values(block, known)
                    columns += [self.offset[block] + i for i in indices]
                    values.append(block_values)
            indptr.append(len(columns))
        data = np.concatenate(values) if values else np.zeros(0)
        return sparse.csr_matrix((data, np.array(columns, dtype=np.int64), np.array(indptr, dtype=np.int64)),
                                 shape=(len(documents), self.dimension))

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.matrix_from_counts([self.counts(text) for text in texts])


class TriageModel:
    """A loaded model file. Thread-safe: nothing changes after loading."""

    version: str

    def __init__(self, spec: dict[str, Any], arrays: dict[str, FloatArray], version: str) -> None:
        self.version = version
        self.spec = spec
        self.features = Features(spec["features"], spec["vocabulary"],
                                 {"word": arrays["idf_word"], "char": arrays["idf_char"]})
        self._coef1 = arrays["coef1"].astype(np.float64).ravel()
        self._coef2 = arrays["coef2"].astype(np.float64)
        self._intercept1 = float(spec["task1"]["intercept"])
        self._intercept2 = np.asarray(spec["task2"]["intercept"], dtype=np.float64)
        self._stack: dict[str, Any] | None = spec.get("stack")
        if self._stack is not None:
            self._stack_coef = arrays["stack_coef"].astype(np.float64)
            self._stack_intercept = np.asarray(self._stack["base_intercept"], dtype=np.float64)
            self._lexicon = tuple(self._stack["message_features"]["lexicon"])

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.features.matrix(texts)

    # Probabilities and decisions ------------------------------------------------------------------------

    def linear_probabilities(self, x: sparse.csr_matrix) -> tuple[FloatArray, FloatArray]:
        """The linear scorers' calibrated P(OFFENSE) (n) and P per TASK2_LABELS (n x 4)."""
        z1 = np.asarray(x @ self._coef1).ravel() + self._intercept1
        calibration1 = self.spec["task1"]["calibration"]
        p_offense = _sigmoid(calibration1["slope"] * z1 + calibration1["bias"])
        z2 = np.asarray(x @ self._coef2) + self._intercept2
        calibration2 = self.spec["task2"]["calibration"]
        scaled = z2 * calibration2["scale"] + np.asarray(calibration2["bias"])
        if self.spec["task2"]["kind"] == "hierarchical":  # P(kind | offensive) times P(OFFENSE)
            conditional = _softmax(scaled)
            fine = np.column_stack([conditional * p_offense[:, None], 1.0 - p_offense])
        else:
            fine = _softmax(scaled)
        return p_offense, fine

    def assess(self, texts: Sequence[str]) -> tuple[FloatArray, FloatArray, list[str], list[str]]:
        """Calibrated P(OFFENSE) (n), P per TASK2_LABELS (n x 4), and the decisions of tasks 1 and 2.

        Without a stack: the linear scorers' probabilities and the decision rule. With the stack (the hybrid,
        docs/protection/triage-model.md): P(OFFENSE) and task 1 from the stacked meta-learner (Platt-calibrated,
        its own threshold); task 2 decided exactly as by the linear model alone (its probabilities, its rule);
        ``fine`` is the linear model's P(kind | offensive) times the stack's P(OFFENSE), OTHER 1 - P(OFFENSE).
        """
        x = self.matrix(texts)
        p_linear, fine_linear = self.linear_probabilities(x)
        task1, task2 = decide(self.spec["decision"], p_linear, fine_linear)
        if self._stack is None:
            return p_linear, fine_linear, task1, task2
        stack = self._stack
        bases = np.asarray(x @ self._stack_coef) + self._stack_intercept
        z = stack_log_odds(stack, bases, message_features(texts, self._lexicon))
        p_offense = _sigmoid(stack["calibration"]["slope"] * z + stack["calibration"]["bias"])
        task1 = [TASK1_LABELS[0] if p >= stack["threshold"] else TASK1_LABELS[1] for p in p_offense]
        offensive = fine_linear[:, :3].sum(axis=1, keepdims=True)
        conditional = np.where(offensive > 0, fine_linear[:, :3] / np.where(offensive > 0, offensive, 1.0),
                               1.0 / 3.0)
        fine = np.column_stack([conditional * p_offense[:, None], 1.0 - p_offense])
        return p_offense, fine, task1, task2

    def probabilities(self, texts: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Calibrated P(OFFENSE) (n) and P per TASK2_LABELS (n x 4)."""
        p_offense, fine, _task1, _task2 = self.assess(texts)
        return p_offense, fine

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        p_offense, fine, task1, task2 = self.assess(texts)
        return [Prediction(p_offense=float(p_offense[i]),
                           fine={label: float(fine[i, k]) for k, label in enumerate(TASK2_LABELS)},
                           task1=task1[i], task2=task2[i]) for i in range(len(task1))]

    # Explanations ---------------------------------------------------------------------------------------

    def explain(self, text: str, limit: int = 5) -> list[Fragment]:
        """The words of the message that weighed most towards "offensive", strongest first.

        Each feature's contribution to the linear scorers' calibrated task 1 log-odds (TF-IDF value x weight x
        calibration slope; with the stack, too, the linear scorers', not the meta-learner's) is spread evenly
        over the characters of the original text it covers; a word's weight is the sum over its characters.
        Words with at least a fifth of the strongest word's weight are kept, and neighbours (only spaces or
        punctuation between them) are merged into one fragment whose weight is their sum.
        ``fragment.text == text[fragment.start:fragment.end]``.
        """
        if limit <= 0 or not text:
            return []
        analysed = analyse(text)
        per_char = np.zeros(len(text))
        slope = float(self.spec["task1"]["calibration"]["slope"])
        features = self.features
        for block in features.blocks:
            vocabulary = features.index[block]
            occurrences: dict[int, list[tuple[int, int]]] = {}
            for term, start, end in features.terms(block, analysed):
                index = vocabulary.get(term)
                if index is not None:
                    occurrences.setdefault(index, []).append((start, end))
            if not occurrences:
                continue
            indices, values = features.values(block, {i: len(spans) for i, spans in occurrences.items()})
            for value, index in zip(values, indices, strict=True):
                contribution = value * self._coef1[features.offset[block] + index] * slope
                spans = occurrences[index]
                for start, end in spans:
                    per_char[start:end] += contribution / len(spans) / (end - start)
        words = [(start, end, float(per_char[start:end].sum())) for token, start, end in analysed.tokens
                 if token[0].isalnum() or token in (MENTION, LINK) or token[0] == "_"]
        strongest = max((weight for _s, _e, weight in words), default=0.0)
        if strongest <= 0:
            return []
        kept = [(s, e, w) for s, e, w in words if w >= 0.2 * strongest]
        fragments: list[list[float]] = []
        for start, end, weight in kept:
            if fragments and not any(ch.isalnum() for ch in text[int(fragments[-1][1]):start]) \
                    and "|LBR|" not in text[int(fragments[-1][1]):start]:
                fragments[-1][1] = end
                fragments[-1][2] += weight
            else:
                fragments.append([start, end, weight])
        result = [Fragment(text[int(s):int(e)], int(s), int(e), round(float(w), 4)) for s, e, w in fragments]
        result.sort(key=lambda fragment: (-fragment.weight, fragment.start))
        return result[:limit]


# Loading -------------------------------------------------------------------------------------------------


def model_path() -> Path:
    """settings.TRIAGE_MODEL_PATH if set, else the model shipped with the platform."""
    configured = getattr(settings, "TRIAGE_MODEL_PATH", None)
    return Path(configured) if configured else SHIPPED_MODEL


def read_model(data: bytes) -> TriageModel:
    """A model from the bytes of a model file (no pickle: JSON and .npy arrays only)."""
    version = hashlib.sha256(data).hexdigest()[:16]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            spec = json.loads(archive.read("model.json").decode("utf-8"))
            if spec.get("format") != FORMAT or spec.get("format_version") not in (1, FORMAT_VERSION):
                raise ModelInvalid(_("The file is not a triage model of this platform version."))
            arrays = {name.removesuffix(".npy"): np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
                      for name in archive.namelist() if name.endswith(".npy")}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ModelInvalid(_("The file is not a triage model of this platform version.")) from exc
    return TriageModel(spec, arrays, version)


_cache: dict[tuple[str, int, int], TriageModel] = {}
_lock = threading.Lock()


def load_model(path: Path | None = None) -> TriageModel:
    """The model in the file (``model_path()`` by default), cached per path and modification time."""
    path = Path(path) if path is not None else model_path()
    try:
        stat = path.stat()
    except OSError:
        raise ModelMissing(_("No triage model at %(path)s: train one with `kommunalschutz train-triage`.")
                           % {"path": path}) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        model = _cache.get(key)
        if model is None:
            try:
                data = path.read_bytes()
            except OSError:
                raise ModelMissing(_("No triage model at %(path)s: train one with `kommunalschutz "
                                     "train-triage`.") % {"path": path}) from None
            model = read_model(data)
            for stale in [k for k in _cache if k[0] == key[0]]:
                del _cache[stale]
            _cache[key] = model
        return model
