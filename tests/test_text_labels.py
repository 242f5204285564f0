"""The names a sentence gives one of its numbers, read by rule."""

from __future__ import annotations

from summarizer.text.labels import benchmark_of, comparison_of, is_size, paper_name, subject_of
from summarizer.text.numbers import Mention, find_numbers


def _number(text: str, written: str) -> Mention:
    return next(m for m in find_numbers(text) if m.text == written)


def test_a_size_has_no_benchmark_and_its_subject_follows_it() -> None:
    text = "Our 8B Qwen3 model scores 90.2% on MATH-500."
    size, score = _number(text, "8B"), _number(text, "90.2%")
    assert is_size(size)
    assert not is_size(score)
    assert benchmark_of(text, size) is None
    assert subject_of(text, size) == "Qwen3"
    assert benchmark_of(text, score) == "MATH-500"


def test_a_benchmark_list_is_not_a_subject() -> None:
    text = "Qwen2-VL-7B's accuracy on VQAv2, DocVQA, and MathVista drops to 50% under noise."
    assert subject_of(text, _number(text, "50%")) == "Qwen2-VL-7B"


def test_a_comparison_stops_before_a_number() -> None:
    gains = "It outperforms full datasets by 5.42% points and wins over 22.1% of games."
    assert comparison_of(gains, _number(gains, "5.42% points")) == "full datasets"
    over = "It achieves over 22.1% win rate improvements."
    assert comparison_of(over, _number(over, "22.1%")) is None


def test_a_size_is_named_by_the_name_it_belongs_to() -> None:
    text = "Falcon Mamba 7B surpasses open-weight models such as Mistral 7B and Falcon2 11B."
    assert subject_of(text, _number(text, "11B")) == "Falcon2 11B"
    named = "We introduce a family of LLMs, named Thanos, with model sizes of 1B, 3B, and 8B."
    assert subject_of(named, _number(named, "3B")) == "Thanos"
    owner = "It leverages a clinical pretraining dataset of 50 billion tokens."
    assert subject_of(owner, _number(owner, "50 billion")) == "clinical pretraining dataset"
    parameters = "The proposed 7B parameter PM4GRPO model scores 91.1% on MATH 500."
    assert subject_of(parameters, _number(parameters, "7B")) == "PM4GRPO"


def test_a_count_has_no_benchmark() -> None:
    text = "Experiments on three LLMs across 12 benchmarks show the effectiveness of ICon."
    assert benchmark_of(text, _number(text, "12")) is None


def test_a_benchmark_is_a_phrase_that_names_a_test() -> None:
    tasks = "It gains +3.08 points over SpinQuant on five zero-shot reasoning tasks."
    assert benchmark_of(tasks, _number(tasks, "+3.08 points")) == "five zero-shot reasoning tasks"
    score = "RL-tuned SD3.5 boosts GenEval accuracy from 63% to 95%."
    assert benchmark_of(score, _number(score, "95%")) == "GenEval"
    opening = "In visual text rendering, its accuracy improves from 59% to 92%."
    assert benchmark_of(opening, _number(opening, "92%")) == "visual text rendering"
    # A name that ends in a number keeps it; a model named after "on" is not what it ran on.
    named = "It scores 91.1% on MATH 500."
    assert benchmark_of(named, _number(named, "91.1%")) == "MATH 500"
    model = "On LLaMA3.1-8B, models trained on ICon data outperform full datasets by 5.42%."
    assert benchmark_of(model, _number(model, "5.42%")) is None
    gsm = "On GSM8K, EAST attains a further 1-2% boost."
    assert benchmark_of(gsm, _number(gsm, "1-2%")) == "GSM8K"
    nothing = "We reach 85% in our own tests."
    assert benchmark_of(nothing, _number(nothing, "85%")) is None


def test_a_subject_is_the_clauses_own_name_not_a_baseline_or_a_benchmark() -> None:
    text = "While the vanilla method yields 0% on MATH, EAST achieves around a 1% gain over SFT."
    assert subject_of(text, _number(text, "1%")) == "EAST"
    gain = "ThinkPO increases the accuracy of SFT-ed models by 8.6%."
    assert subject_of(gain, _number(gain, "8.6%")) == "ThinkPO"
    using = "We show up to 2.74x prefilling speedup for LLMs using W4A4 PrefixQuant."
    assert subject_of(using, _number(using, "2.74x")) == "W4A4 PrefixQuant"
    ours = "Our model also sets a new benchmark with over 9% improvement."
    assert subject_of(ours, _number(ours, "9%"), paper="BiMediX2") == "BiMediX2"


def test_a_paper_names_its_own_work_in_its_title_or_its_text() -> None:
    text = "PrefixQuant eliminates outliers."
    assert paper_name("PrefixQuant: Static Quantization Beats Dynamic", text) == "PrefixQuant"
    text = "We propose Entropy-Based Adaptive Weighting for Self-Training (EAST), a method."
    assert paper_name("Entropy-Based Adaptive Weighting for Self-Training", text) == "EAST"
    assert (
        paper_name("Thought Manipulation", "We propose ThoughtMani, a pipeline.") == "ThoughtMani"
    )
    assert paper_name("The Leaderboard Illusion", "We study arenas.") is None


def test_a_pronoun_points_back_to_what_the_sentence_before_is_about() -> None:
    before = "For complex compositions, RL-tuned SD3.5 generates nearly perfect object counts."
    text = "In visual text rendering, its accuracy improves from 59% to 92%."
    assert subject_of(text, _number(text, "92%"), paper="Flow-GRPO", before=before) == (
        "RL-tuned SD3.5"
    )
    assert subject_of(text, _number(text, "92%"), paper="Flow-GRPO") == "Flow-GRPO"


def test_a_subject_may_be_the_words_a_that_clause_follows() -> None:
    text = "We extract reward models that achieve up to 85% accuracy in predicting preferences."
    assert subject_of(text, _number(text, "85%")) == "reward models"
    assert benchmark_of(text, _number(text, "85%")) == "predicting preferences"


def test_names_after_a_baseline_word_are_the_baselines() -> None:
    text = (
        "The AdaptiveStep-trained PRM outperforms greedy search with token-level value-guided "
        "decoding (TVD) by 3.15% on GSM8k."
    )
    assert subject_of(text, _number(text, "3.15%")) == "AdaptiveStep-trained PRM"
    assert benchmark_of(text, _number(text, "3.15%")) == "GSM8k"


def test_what_a_number_counts_and_a_changed_metric_are_not_subjects() -> None:
    text = "ActionPiece improves NDCG@10 by 6.00% on public datasets."
    assert subject_of(text, _number(text, "6.00%")) == "ActionPiece"
    bits = "QLoRAM with 4-bit quantization reduces the storage cost by 15.81x."
    assert subject_of(bits, _number(bits, "15.81x")) == "QLoRAM"


def test_a_pronoun_after_a_clause_break_points_back_within_the_sentence() -> None:
    text = "ThinkPO helps SFT-ed models, e.g., it increases the accuracy of SFT-ed models by 8.6%."
    assert subject_of(text, _number(text, "8.6%")) == "ThinkPO"


def test_a_benchmark_phrase_stops_before_what_it_consists_of() -> None:
    text = (
        "RAD achieves a 3x lower collision rate on a closed-loop evaluation benchmark "
        "consisting of unseen 3DGS environments."
    )
    assert benchmark_of(text, _number(text, "3x")) == "closed-loop evaluation benchmark"
    assert subject_of(text, _number(text, "3x")) == "RAD"


def test_what_a_system_achieves_is_not_the_system() -> None:
    text = "The SongGen mode achieves a Frechet Audio Distance (FAD) of 1.87."
    assert subject_of(text, _number(text, "1.87")) == "SongGen"


def test_a_title_name_the_text_does_not_write_is_not_the_papers_name() -> None:
    text = "This paper presents Crawl4LLM, an efficient web crawling method."
    assert paper_name("Craw4LLM: Efficient Web Crawling for LLM Pretraining", text) == "Crawl4LLM"


def test_a_possessive_right_before_the_number_says_whose_it_is() -> None:
    text = "MoM scores 36.04 on recall-intensive tasks, close to the Transformer model's 37.31."
    assert subject_of(text, _number(text, "37.31")) == "Transformer"
    assert subject_of(text, _number(text, "36.04")) == "MoM"


def test_measures_and_kinds_are_not_names_and_a_model_word_joins_a_size_to_its_name() -> None:
    text = "ReasonIR-8B scores 29.9 nDCG@10 without a reranker and 36.9 nDCG@10 with one on BRIGHT."
    assert subject_of(text, _number(text, "36.9")) == "ReasonIR-8B"
    kinds = "Using Cyber-Zero, we train LLM-based agents that achieve up to 13.1% gains."
    assert subject_of(kinds, _number(kinds, "13.1%")) == "Cyber-Zero"
    size = "Across TritonBench and KernelBench, our 8B model AutoTriton matches larger models."
    assert subject_of(size, _number(size, "8B")) == "AutoTriton"
    scores = "We report Robustness and Compliance scores for 24 off-the-shelf models."
    assert subject_of(scores, _number(scores, "24")) != "Compliance"
