"""The names a sentence gives one of its numbers: the benchmark it was measured on, the system
that achieved it and the baseline it is compared with, read by rule from the sentence's words.

Every grounded metric's `benchmark` and `subject` are these (the model chooses the number and the
sentence; see `grounding.with_sentence_labels`), and so are the rules provider's. Every name is
the sentence's own words, or the name the paper gives its own work (`paper_name`).

A number's labels are read in its clause (cut at ";", ":", "while", ", but", ", with", ", for
example"):

- **benchmark**: none for a size or a count ("8B", "12 tasks"). Otherwise the phrase after "on",
  "in" or "across" that follows the number, else a name right before "accuracy" / "score"
  ("GenEval accuracy from 63% to 95%"), else such a phrase before the number, else an opening
  "In X," or "Experiments on X". A phrase counts when it names something (a word with a capital
  or a digit, but not a model: "on LLaMA3.1-8B" is what ran, "on three LLMs" too) or ends in a
  word for a task or test set ("five zero-shot reasoning tasks", "long-context benchmarks");
  "trained on X" and "based on X" name what a system was made from.
- **subject**: for a size, the name the size is part of ("Mistral 7B"), else the name right after
  it ("the 8B Qwen3 model", "7B parameter PM4GRPO"), else the one named before it ("named Thanos,
  with sizes of 1B"), else the words before "of"/"with" ("a clinical pretraining dataset of 50
  billion tokens"). Otherwise the last name before the number that is not a benchmark ("on X",
  and the rest of a list it opens), a baseline (after "than", "over", "outperforms" ...), a
  score's name ("X accuracy") or generic ("LLMs"), preferring one that is not an object ("the
  accuracy of X", "improves NDCG@10", "(X)"); where the clause says "it"/"its"/"they", the name
  an earlier clause or the sentence before opens with; else the words a "that achieves" follows
  ("reward models that achieve 85%"); else a name after "for", "by", "using" or "with" after the
  number; else the paper's own name.

Names are runs of words with a capital past the first letter, letters with digits, or a capital
not opening a sentence; "3D", "4-bit" and sizes alone are not names.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from summarizer.text.candidates import kind_of
from summarizer.text.numbers import Mention

# A word of a name: "Falcon", "Qwen2.5-VL-72B", "W4A4KV4", "LiveBench/Code", "RL-tuned".
_WORD = re.compile(r"[A-Za-z0-9][\w.\-/@+]*[\w+]|[A-Za-z0-9]")
_SIZE_WORD = re.compile(r"\d+(?:\.\d+)?[BMKT]|\d+x\d+(?:\.\d+)?[BM]")
# A size inside a model's name ("Llama-3-8B", "Qwen2 7B"), not the "8K" of "GSM8K".
_MODEL_SIZE = re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)?[BMT]\b")
# "3D", "4-bit", "5-shot": a number with what it counts, not a name.
_MEASURE_WORD = re.compile(r"\d+(?:-?(?:bit|D|d|shot|way|layer|stage|hop|step|token|dim)s?)")
# "LLM-based", "GPU-free": what kind of thing, not its name.
_KIND_WORD = re.compile(r"-(?:based|like|style|aware|free|driven|level|scale|specific)$", re.I)
# Names of measures, not of systems: "nDCG@10" (any "@"), "FID", "BLEU" ...
_METRIC_NAMES = frozenset(
    {"ndcg", "bleu", "rouge", "rouge-l", "f1", "auc", "auroc", "mrr", "map", "miou", "iou",
     "fid", "fcd", "fad", "wer", "cer", "psnr", "ssim", "lpips", "elo", "em", "mae", "mse",
     "rmse", "ppl", "tps", "tflops", "flops"}
)  # fmt: skip
_NUMBERISH = re.compile(r"[+\-]?\d[\d.,]*(?:x|X|%|K|M|B|k)?")
# Capitalised words that open or join sentences rather than name something.
_COMMON = frozenset(
    {"a", "an", "the", "our", "we", "this", "these", "those", "its", "their", "it", "they", "in",
     "on", "of", "for", "to", "and", "or", "with", "by", "at", "from", "as", "is", "are", "was",
     "were", "be", "that", "which", "while", "when", "where", "than", "over", "under", "also",
     "further", "furthermore", "additionally", "moreover", "however", "thus", "notably",
     "finally", "first", "second", "third", "specifically", "remarkably", "empirical",
     "extensive", "experiments", "experimental", "results", "evaluation", "overall", "compared",
     "despite", "using", "providers"}
)  # fmt: skip
# Where a clause ends: a number's labels are read within its own clause.
_CLAUSE = re.compile(
    r"[;:]|,\s(?:while|whereas|but|with|for example|for instance|e\.g\.)[\s,]|\bwhile\b|"
    r"\bwhereas\b"
)
_PHRASE_STOP = (
    r"(?:under|with|by|while|when|where|which|that|compared|than|over|across|and|or|of|for|in|on|"
    r"respectively|using|to|at|from|as|via|within|without|through|after|before|but|show|shows|"
    r"demonstrate|is|are|was|were|its|it|we|consisting|including|containing|covering|spanning|"
    r"featuring|where)"
)
_PHRASE = rf"((?:(?!{_PHRASE_STOP}\b)(?!--)[^\s,;:()]+ ?){{1,5}})"
# "trained on X", "based on X" name what a system was made from, not what it was tested on.
_ON = re.compile(
    rf"(?<!trained )(?<!tuned )(?<!based )(?<!built )\b(?:on|in|across)\s+(?:the\s+)?{_PHRASE}",
    re.IGNORECASE,
)
_OPENING = re.compile(rf"^(?:In|On|For|Across)\s+(?:the\s+)?{_PHRASE},", re.IGNORECASE)
_EXPERIMENTS_ON = re.compile(
    rf"\b(?:experiments|evaluations?|results)\s+(?:on|across)\s+(?:the\s+)?{_PHRASE}",
    re.IGNORECASE,
)
_SCORE_NAME = re.compile(
    r"((?:[A-Z][\w.\-/]*\s?){1,3})\s(?:accuracy|score|performance|pass@\d+|success rate)\b"
)
_SCORE_AFTER = re.compile(
    r"\s(?:accuracy|score|performance|pass@\d+)\b|\sscores\s(?:for|of|on|in)\b"
)
_TEST_SET = re.compile(
    r"(?:tasks?|benchmarks?|evaluations?|datasets?|suites?|sets?|splits?|leaderboards?|arena|"
    r"distribution|rendering|generation|understanding|reasoning|retrieval|translation|"
    r"classification|QA)$",
    re.IGNORECASE,
)
_NOT_A_SET = frozenset(
    {"its", "average", "top", "up", "par", "contrast", "addition", "particular", "total", "this",
     "that", "these", "which", "order", "terms"}
)  # fmt: skip
_OWNS = re.compile(r"(?: (?:model|method|system))?'s (?:(?:score|accuracy) of )?")
_THAT_ACHIEVES = re.compile(
    r"\b([a-z][\w\-]* [a-z][\w\-]*) (?:that|which) (?:achieve|reach|attain|obtain|score)s?\b"
)
_POINTS_BACK = re.compile(r"\b(?:it|its|they|their)\b", re.IGNORECASE)
_PARAMETER_WORD = re.compile(r"[\s-](?:param(?:eter)?s?|model)\b")
# What a name after these is: an object ("the accuracy of X", "improves NDCG@10"), an aside
# ("(LLaMA-2-70B)"), rarely what a number is about.
_OBJECT_BEFORE = re.compile(
    r"(?:\b(?:of|for|to|improv\w*|increas\w*|reduc\w*|boost\w*|rais\w*|lower\w*|achiev\w*|"
    r"reach\w*|attain\w*|obtain\w*)\s+(?:an?\s+|the\s+)?|\()$",
    re.IGNORECASE,
)
_AFTER_ON = re.compile(r"\b(?:on|in|across)\s+(?:the\s+)?$", re.IGNORECASE)
_LIST_GAP = re.compile(r"\s*(?:,|and|or|,\s*and|,\s*or)\s*")
_BASELINE_BEFORE = re.compile(
    r"\b(?:than|over|compared (?:to|with)|versus|vs\.|outperform\w*|surpass\w*|such as|beats?)\s",
    re.IGNORECASE,
)
_NAME_AFTER_NUMBER = re.compile(r"\b(?:for|by|using|with)\s+([A-Z][\w.\-]*(?:\s[A-Z0-9][\w.\-]*)?)")
_NAMED = re.compile(r"\b(?:named|called|dubbed)\s+([A-Z][\w.\-]*)")
_OF_SIZE = re.compile(
    r"((?:[\w\-]+ ){1,4})(?:of|with)\s(?:roughly |about |approximately |over |nearly )?$"
)
_LEAD_WORDS = frozenset({"a", "an", "the", "of", "leveraging", "using", "with"})
_VERB_OF_OWN = r"\b(?:propose|proposes|introduce|introduces|present|presents|call|named|dubbed)\s+"
# "we propose Entropy-Based Adaptive Weighting for Self-Training (EAST)": the acronym it defines.
_PROPOSED_ACRONYM = re.compile(_VERB_OF_OWN + r"[^.()]{0,120}?\(([A-Z][\w\-]*[A-Z0-9][\w\-]*)\)")
_PROPOSED = re.compile(_VERB_OF_OWN + r"([A-Z][\w\-.]*[A-Z0-9][\w\-.]*)")
_COMPARISON = re.compile(
    r"\b(?:than|over|compared (?:to|with)|surpass(?:es|ing)?|outperform(?:s|ing)?|versus|vs\.)"
    r" ((?:the |a |an )?[\w.\-@]+(?: [\w.\-@]+){0,4})",
    re.IGNORECASE,
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# Words a cut label must not end on ("full datasets by").
_DANGLING = frozenset({"by", "on", "of", "in", "at", "to", "with", "and", "or", "the", "a", "an"})
# Subjects that name nothing in particular.
GENERIC = frozenset(
    {"model", "models", "llm", "llms", "lm", "lms", "vlm", "vlms", "lvlm", "lvlms", "mllm",
     "mllms", "language model", "language models", "large language models", "method",
     "methods", "approach", "framework", "system",
     "baseline", "baselines", "ours", "our model", "our method", "the model", "the method",
     "proposed method", "the proposed method"}
)  # fmt: skip


def normal_form(text: str) -> str:
    """`text` in lower-case letters and digits only: "MATH-500" and "Math 500" are "math500"."""
    return _NOT_ALNUM.sub("", text.casefold())


@dataclass(frozen=True, slots=True)
class Name:
    """A run of name-like words and its `[start, end)` span in the sentence."""

    start: int
    end: int
    text: str


def is_size(mention: Mention) -> bool:
    """A size ("8B", "1.6M", "50 billion"): what something is, not a score measured on a
    benchmark. The "on MATH-500" after "our 8B model scores 90.2% on MATH-500" is the 90.2%'s."""
    return mention.unit is None and mention.scale != 1


def _name_like(word: str, opens: bool) -> bool:
    core = word.rstrip(".")
    if not core or _NUMBERISH.fullmatch(core) or _MEASURE_WORD.fullmatch(core):
        return False
    if _KIND_WORD.search(core) or "@" in core or core.lower() in _METRIC_NAMES:
        return False
    if any(c.isdigit() for c in core) and any(c.isalpha() for c in core):
        return True
    if any(c.isupper() for c in core[1:]):
        return True
    return core[0].isupper() and not opens and core.lower() not in _COMMON


def names(text: str) -> list[Name]:
    """The runs of name-like words of `text` (a capital past the first letter, letters with
    digits, or a capital not opening a sentence), a size joining the run it follows."""
    runs: list[list[re.Match[str]]] = []
    run: list[re.Match[str]] = []
    words = list(_WORD.finditer(text))
    for i, word in enumerate(words):
        opens = text[: word.start()].rstrip()[-1:] in ("", ".", ":", ";")
        if _name_like(word.group(), opens) or (run and _SIZE_WORD.fullmatch(word.group())):
            if run and text[words[i - 1].end() : word.start()] != " ":
                runs.append(run)
                run = []
            run.append(word)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [
        Name(r[0].start(), r[-1].end(), text[r[0].start() : r[-1].end()].rstrip(".")) for r in runs
    ]


def clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The `[start, end)` of the clause around a span: cut at ";", ":" and "while"/"but"."""
    low, high = 0, len(text)
    for cut in _CLAUSE.finditer(text):
        if cut.end() <= start:
            low = cut.end()
        elif cut.start() >= end:
            high = cut.start()
            break
    return low, high


def _trim(phrase: str) -> str | None:
    words = phrase.strip().rstrip(".").split()
    while words and words[0].lower() in ("a", "an", "the"):
        words.pop(0)
    # A number ends a name ("MATH 500") but not a phrase ("on MATH 500 by 3.1").
    while words and (
        (_NUMBERISH.fullmatch(words[-1]) and not re.fullmatch(r"\d+", words[-1]))
        or words[-1].lower() in ("the", "a", "an", "of", "its", "own")
    ):
        words.pop()
    return " ".join(words).rstrip(".") or None


def _names_a_test(phrase: str | None) -> str | None:
    """`phrase` when it can name what a number was measured on (see module docstring)."""
    if not phrase:
        return None
    words = phrase.split()
    if _NUMBERISH.fullmatch(words[0]) or words[0].lower() in _NOT_A_SET:
        return None
    if words[-1].lower() in GENERIC:  # "on three LLMs": what ran, not what it ran on
        return None
    if any(_name_like(w, False) for w in words):
        # A model named after "on" ("on LLaMA3.1-8B") is what ran, not what it ran on.
        return None if _MODEL_SIZE.search(phrase) else phrase
    return phrase if _TEST_SET.search(phrase) or words[0].endswith("ing") else None


def benchmark_of(text: str, mention: Mention) -> str | None:
    """What `mention` was measured on, as `text` writes it (see module docstring)."""
    if is_size(mention) or kind_of(mention, text) == "size":
        return None
    low, high = clause(text, mention.start, mention.end)
    after = _ON.search(text, mention.end, high)
    if after and (found := _names_a_test(_trim(after.group(1)))):
        return found
    for score in _SCORE_NAME.finditer(text, low, mention.start):
        if score.end() > mention.start - 40 and (found := _trim(score.group(1))):
            return found
    for before in reversed(list(_ON.finditer(text, 0, mention.start))):
        if found := _names_a_test(_trim(before.group(1))):
            return found
    opening = _OPENING.match(text) or _EXPERIMENTS_ON.search(text)
    return _names_a_test(_trim(opening.group(1))) if opening else None


def subject_of(
    text: str, mention: Mention, paper: str | None = None, before: str | None = None
) -> str | None:
    """What `mention` is about, as `text` writes it, else `paper` (see module docstring);
    `before` is the sentence before `text`, which "it"/"its"/"they" may point back to."""
    found = names(text)
    if is_size(mention) and (size := _subject_of_size(text, mention, found)):
        return size
    low, high = clause(text, mention.start, mention.end)
    # "close to the Transformer model's 37.31": whose number it is, right before it.
    owner = next((n for n in found if _OWNS.fullmatch(text, n.end, mention.start)), None)
    if owner is not None and owner.start >= low:
        return owner.text
    subject, as_object = _named_before(text, found, low, mention.start)
    if subject is not None and not as_object:
        return subject
    # "e.g., it increases the accuracy of SFT-ed models by 8.6%": "it" is ThinkPO, named
    # earlier in the sentence or in the one before.
    if _POINTS_BACK.search(text, low, mention.start):
        back = _named_before(text, found, 0, low, first=True)[0] if low else None
        if back is None and before:
            back = _named_before(before, names(before), 0, len(before), first=True)[0]
        if back is not None:
            return back
    if subject is not None:
        return subject
    # "reward models that achieve up to 85%": the words the verb's "that" follows.
    which = _THAT_ACHIEVES.search(text, low, mention.start)
    if which and which.group(1).split()[0].lower() not in _COMMON:
        return which.group(1)
    for after in _NAME_AFTER_NUMBER.finditer(text, mention.end, high):
        if after.group(1).lower() not in GENERIC:
            return after.group(1).rstrip(".")
    return paper


def _named_before(
    text: str, found: list[Name], low: int, end: int, first: bool = False
) -> tuple[str | None, bool]:
    """The last name of `text[low:end]` (the first, with `first`: what a sentence is about,
    that a pronoun in the next points back to) that is not a benchmark ("on X", and the rest
    of a list it opens), a baseline ("than X"), a score's name ("X accuracy") or generic; one
    not after "of", "for", "to" or a verb of change first; and whether the name is such an
    object."""
    candidates: list[tuple[bool, str]] = []
    listed, last_end = False, -1
    # "outperforming greedy search with value-guided decoding (TVD) by 3.15%": every name
    # between a baseline's word and the number is the baseline's.
    baseline = list(_BASELINE_BEFORE.finditer(text, low, end))
    baseline_from = baseline[-1].start() if baseline else end
    for name in found:
        if name.end > end:
            break
        gap = text[last_end : name.start] if last_end >= 0 else ""
        # "on VQAv2, DocVQA, and MathVista": a list opened by "on" goes on while its names are
        # joined by "and" or followed by another comma; "on MATH, EAST achieves" ends at EAST.
        goes_on = (
            " and " in f" {gap} " or " or " in f" {gap} " or bool(_LIST_GAP.match(text, name.end))
        )
        listed = bool(_AFTER_ON.search(text, max(0, name.start - 8), name.start)) or (
            listed and _LIST_GAP.fullmatch(gap) is not None and goes_on
        )
        last_end = name.end
        if (
            name.start < low
            or name.start >= baseline_from
            or listed
            or _BASELINE_BEFORE.search(text, max(low, name.start - 25), name.start)
            or _SCORE_AFTER.match(text, name.end)
            or name.text.lower() in GENERIC
        ):
            continue
        # "ThinkPO increases the accuracy of SFT-ed models by 8.6%": a name after "of", "for"
        # or "to" is less likely what the number is about than one that is not.
        after_object = bool(_OBJECT_BEFORE.search(text, max(0, name.start - 18), name.start))
        candidates.append((after_object, name.text))
    if not candidates:
        return None, False
    order = candidates if first else candidates[::-1]
    subject = next((n for after, n in order if not after), None)
    return (subject, False) if subject is not None else (order[0][1], True)


def _subject_of_size(text: str, mention: Mention, found: list[Name]) -> str | None:
    for name in found:
        inside = name.start <= mention.start and mention.end <= name.end + 1
        if inside and name.text != mention.text:
            return name.text
    after = _PARAMETER_WORD.match(text, mention.end)
    for name in found:
        if 0 <= name.start - (after.end() if after else mention.end) < 3:
            return name.text
    named = _NAMED.search(text, 0, mention.start)
    if named:
        return named.group(1)
    owner = _OF_SIZE.search(text[: mention.start])
    if owner:
        words = owner.group(1).split()
        while words and words[0].lower() in _LEAD_WORDS:
            words.pop(0)
        return " ".join(words) or None
    return None


def paper_name(title: str | None, text: str) -> str | None:
    """The name a paper gives its own work: a title's head before ":" that is a name (one word,
    or one with a capital past its first letter or a digit: "PrefixQuant", "Multi-SWE-bench";
    not "Beyond Fine-tuning") that the text writes too (a title's "Craw4LLM" is not its text's
    "Crawl4LLM"), else the acronym the text defines for what it proposes ("we propose ...
    (EAST)"), else the name it proposes ("we introduce ThoughtMani")."""
    head = (title or "").split(":")[0].strip() if ":" in (title or "") else ""
    words = head.split()
    named = len(words) == 1 or (
        0 < len(words) <= 3 and any(any(c.isupper() or c.isdigit() for c in w[1:]) for w in words)
    )
    if named and normal_form(head) in normal_form(text):
        return head
    for pattern in (_PROPOSED_ACRONYM, _PROPOSED):
        found = pattern.search(text)
        if found and found.group(1).rstrip(".").lower() not in GENERIC:
            return found.group(1).rstrip(".")
    return None


def comparison_of(text: str, mention: Mention) -> str | None:
    """The named baseline after "than", "over", "outperforms" ... near the number: its words up
    to the first number. "over 22.1% win rate" names no baseline, and "full datasets by 5.42%
    points" is "full datasets": a cut number ("5.42") would be a number the text never states."""
    around = text[max(0, mention.start - 80) : mention.end + 80]
    found = _COMPARISON.search(around)
    if not found:
        return None
    words = list(itertools.takewhile(lambda w: not w[0].isdigit(), found.group(1).split()))
    if words:  # "over GPT-4o." ends the sentence, not the name
        words[-1] = words[-1].rstrip(".")
    while words and (not words[-1] or words[-1].lower() in _DANGLING):
        words.pop()
    while words and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words) or None


def first_name(text: str) -> str | None:
    """The first name of `text` ("Qwen2.5-VL", "MathVista", "GSM8K"; see `names`)."""
    found = names(text)
    return found[0].text if found else None
