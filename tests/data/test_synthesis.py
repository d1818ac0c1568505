"""Synthetic data as a recipe source (pipeline.data.synthesis) and exam-question formats (pipeline.data.sources.exams).

    .venv/bin/python -m pytest tests/data/test_synthesis.py -q

Generation uses a tiny randomly initialised Qwen2 on CPU (its text is noise; the path is real): a recipe with a
synthetic source runs end to end, outputs carry provenance, planted bad outputs are dropped with their reason,
a run killed mid-generation resumes without regenerating a finished chunk, and bad input fails clearly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.config.recipe import load_recipe
from pipeline.config.sources import SourceConfig
from pipeline.config.synthesis import SynthesisPostFilters
from pipeline.data.recipe_run import check_recipe, run_recipe, submit_slurm
from pipeline.data.sources.readers import SourceReader
from pipeline.data.synthesis.postfilters import drop_reason, echo_measures
from pipeline.data.synthesis.templates import LIBRARY
from pipeline.errors import ConfigError, DataError
from pipeline.shared.generation import Completion
from pipeline.shared.shards import read_manifest
from tests.conftest import ROOT, run_cli

PROBLEMS = [
    {
        "id": "p1",
        "question": "Solve $3x - 7 = 11$ for $x$.",
        "solution": "Add 7: $3x = 18$, so $x = 6$.",
        "answer": "6",
    },
    {
        "id": "p2",
        "question": "What is the area of a rectangle with sides 4 and 9?",
        "solution": "$4 \\cdot 9 = 36$.",
        "answer": "36",
    },
    {"id": "p3", "question": "Compute $\\frac{1}{2} + \\frac{1}{3}$.", "answer": "\\frac{5}{6}"},  # no solution
    {
        "id": "p4",
        "question": "Which number is prime?",
        "choices": ["4", "6", "7", "9"],
        "solution": "7 has only the divisors 1 and 7.",
        "answer": "C",
    },
    {"id": "p5", "question": "小明有 12 个苹果，吃掉 5 个，还剩几个？", "solution": "$12 - 5 = 7$。", "answer": "7"},
    {"id": "p6", "question": "How many minutes are in 3 hours?", "solution": "$3 \\cdot 60 = 180$.", "answer": "180"},
    {"id": "p7", "question": "What is $15\\%$ of 80?", "solution": "$0.15 \\cdot 80 = 12$.", "answer": "12"},
]

RECIPE = """\
name: synth
sources:
  - {{name: exams, kind: exams, path: problems.jsonl, format: qa_jsonl, weight: 1}}
  - name: synth
    kind: synthetic
    weight: 1
    synthesis:
      seeds: {{source: exams}}
      templates: {templates}
      generation: {{backend: hf, model: {model}, max_new_tokens: 16, temperature: 1.0, top_p: 1.0, batch_size: 8}}
      postfilters: {postfilters}
      chunk_size: {chunk_size}
stages:
  language: {{enabled: false}}
  math: {{enabled: false}}
  quality: {{enabled: false}}
  dedup: {{near: false}}
  decontamination: {{enabled: false}}
  tokenizer: {{train_vocab_size: 300}}
"""
# Random tokens have no final answer and may repeat: for the noise model, keep what is not blank.
LENIENT = (
    "{min_chars: 1, require_final_answer: false, drop_unfinished: false, check_answers: false, "
    "max_repeated_ngram_fraction: 1.0, max_compression_ratio: 1000}"
)


def write_recipe(
    folder: Path,
    model,
    problems=PROBLEMS,
    templates="[solve_en, explain_solution_zh]",
    postfilters=LENIENT,
    chunk_size=2,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "problems.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in problems))
    path = folder / "recipe.yaml"
    path.write_text(RECIPE.format(model=model, templates=templates, postfilters=postfilters, chunk_size=chunk_size))
    return path


def jsonl(folder: Path) -> list[dict]:
    return [json.loads(line) for p in sorted(folder.glob("**/*.jsonl")) for line in p.read_text().splitlines()]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from pipeline.data.synthesis.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "generator")


@pytest.fixture(scope="module")
def synth_run(tiny_model, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synth_run")
    out = folder / "run"
    run_recipe(load_recipe(write_recipe(folder, tiny_model)), out)
    return out


# ------------------------------------------------------------------ end to end with the tiny model


def test_recipe_with_a_synthetic_source_runs_end_to_end(synth_run, tiny_model):
    chunks = sorted((synth_run / "work" / "synthetic" / "synth").glob("chunk_*.jsonl"))
    assert [c.name for c in chunks] == [
        "chunk_00000.jsonl",
        "chunk_00001.jsonl",
        "chunk_00002.jsonl",
        "chunk_00003.jsonl",
    ]  # 7 seeds, 2 per chunk
    generated = jsonl(synth_run / "work" / "synthetic" / "synth")
    # 7 seeds × 2 templates, minus explain_solution_zh for the seed without a solution
    assert len(generated) == 13
    kept = jsonl(synth_run / "kept" / "synth")
    assert kept and {d["id"] for d in kept} <= {d["id"] for d in generated}
    for d in kept:
        syn = d["metadata"]["synthesis"]
        assert syn["generator"] == {"backend": "hf", "model": str(tiny_model)}
        assert syn["template"] in ("solve_en", "explain_solution_zh") and syn["seed_id"] in {p["id"] for p in PROBLEMS}
        assert syn["sampling"]["max_new_tokens"] == 16 and syn["sampling"]["temperature"] == 1.0
        assert 0 < syn["completion_tokens"] <= 16 and d["metadata"]["kind"] == "synthetic"
        assert d["id"] == f"synth/{syn['seed_id']}/{syn['template']}/0"
    assert {d["metadata"]["synthesis"]["gold_answer"] for d in generated} >= {"6", "36", "C"}
    manifest = read_manifest(synth_run)
    assert manifest["sources"]["synth"]["documents"] == len(kept)


def test_report_has_throughput_and_tokens_per_template(synth_run):
    report = json.loads((synth_run / "report.json").read_text())
    s = report["synthesis"]["synth"]
    assert s["outputs"] == 13 and s["chunks"] == 4 and s["tokens_per_second"] > 0
    assert s["skipped_seeds"] == {"no_solution/explain_solution_zh": 1}
    assert set(s["templates"]) == {"solve_en", "explain_solution_zh"}
    assert s["templates"]["solve_en"]["outputs"] == 7
    # kept tokens per template add up to the source's tokens in the shards (EOS included)
    manifest = read_manifest(synth_run)
    assert sum(t["kept_tokens"] for t in s["templates"].values()) == manifest["sources"]["synth"]["tokens"]
    md = (synth_run / "report.md").read_text()
    assert "## Synthetic data" in md and "tokens/s" in md and "| solve_en |" in md
    html = (synth_run / "report" / "index.html").read_text()
    assert "Synthetic data: synth" in html and 'data-template="explain_solution_zh"' in html


def test_backend_error_keeps_finished_chunks_and_resume_regenerates_nothing(
    synth_run, tiny_model, tmp_path, monkeypatch
):
    """The backend fails on the second chunk; the re-run generates only the unfinished chunks, and the result is
    the same as the uninterrupted run's (chunk c is sampled with seed + c)."""
    from pipeline.shared.generation import HFGenerator

    recipe = load_recipe(write_recipe(tmp_path, tiny_model))
    out = tmp_path / "run"
    original = HFGenerator.generate_detailed
    calls: list[list[str]] = []

    def failing(self, prompts, s):
        calls.append(prompts)
        if len(calls) == 2:
            raise RuntimeError("CUDA error: device lost")
        return original(self, prompts, s)

    monkeypatch.setattr(HFGenerator, "generate_detailed", failing)
    with pytest.raises(
        DataError,
        match=r"backend failed on chunk 1 \(RuntimeError: CUDA error: device lost\); 1 "
        r"chunks finished .* run the same command again to resume",
    ):
        run_recipe(recipe, out)
    folder = out / "work" / "synthetic" / "synth"
    assert [p.name for p in sorted(folder.glob("*.jsonl"))] == ["chunk_00000.jsonl"]
    first = (folder / "chunk_00000.jsonl").stat().st_mtime_ns, (folder / "chunk_00000.jsonl").read_text()
    (folder / "chunk_00001.jsonl.tmp").write_text('{"id": "half a line')  # what a kill mid-write leaves

    def counting(self, prompts, s):
        calls.append(prompts)
        return original(self, prompts, s)

    calls.clear()
    monkeypatch.setattr(HFGenerator, "generate_detailed", counting)
    run_recipe(recipe, out)
    assert len(calls) == 3  # chunks 1, 2 and 3 only
    assert not any("3x - 7" in p for prompts in calls for p in prompts)  # chunk 0's seed was not prompted again
    assert ((folder / "chunk_00000.jsonl").stat().st_mtime_ns, (folder / "chunk_00000.jsonl").read_text()) == first
    assert not list(folder.glob("*.tmp"))
    resumed = {d["id"]: d["text"] for d in jsonl(folder)}
    assert resumed == {d["id"]: d["text"] for d in jsonl(synth_run / "work" / "synthetic" / "synth")}

    # A finished pass is not even loaded again: re-running the completed recipe never builds a generator.
    def no_model(*args, **kwargs):
        raise AssertionError("the generator was loaded for a finished synthesis pass")

    monkeypatch.setattr("pipeline.shared.generation.make_generator", no_model)
    run_recipe(recipe, out)
    assert (out / "manifest.json").is_file()


def test_kill_mid_generation_then_resume_regenerates_nothing_written(tiny_model, tmp_path):
    problems = [{"id": f"q{i}", "question": f"What is {i} plus {i + 1}?", "answer": str(2 * i + 1)} for i in range(60)]
    recipe = write_recipe(tmp_path, tiny_model, problems, templates="[solve_en]", chunk_size=1)
    out = tmp_path / "run"
    folder = out / "work" / "synthetic" / "synth"
    log = tmp_path / "killed_run.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "data", str(recipe), "--out", str(out)],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 120
            while len(list(folder.glob("chunk_*.jsonl"))) < 3 and time.time() < deadline and proc.poll() is None:
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
    written = {p.name: (p.stat().st_mtime_ns, p.read_text()) for p in folder.glob("chunk_*.jsonl")}
    assert 3 <= len(written) < 60, f"the kill should land mid-generation: {log.read_text()[-3000:]}"
    assert all(text.endswith("\n") for _, text in written.values())  # no visible chunk is half written

    run_recipe(load_recipe(recipe), out)
    for name, before in written.items():
        assert ((folder / name).stat().st_mtime_ns, (folder / name).read_text()) == before
    assert len(list(folder.glob("chunk_*.jsonl"))) == 60
    stats = json.loads((out / "logs" / "synthesize_synth" / "stats.json").read_text())[0]["stats"]
    count = {k: v["total"] if isinstance(v, dict) else v for k, v in stats.items()}
    assert count["chunks_skipped"] == len(written) and count["chunks_written"] == 60 - len(written)


# ------------------------------------------------------------------ post-filters on planted outputs


GOOD = {
    "p1": "Add 7 to both sides to get $3x = 18$. Dividing by 3 gives $x = 6$.\nFinal answer: 6",
    "p4": "Among 4, 6, 7 and 9 only 7 has no divisor other than 1 and itself, so it is option (C).\nFinal answer: C",
    "p5": "小明原来有 12 个苹果，吃掉 5 个，剩下 $12 - 5 = 7$ 个。\n答案：7",
}
PLANTED = {
    "p2": ("answer_mismatch", "The area is the product of the side lengths, $4 \\cdot 9 = 35$.\nFinal answer: 35"),
    "p3": ("truncated_no_final_answer", "We bring both fractions to the common denominator 6, which gives"),
    "p6": ("repetitive", "There are 60 minutes in an hour. " * 12),
    "p7": ("empty", "  12 "),
    "p8": ("empty", "   "),  # blank: the reader skips it before the post-filter; the report counts it as empty
}
P8 = {"id": "p8", "question": "What is 2 + 2?", "answer": "4"}


class PlantedGenerator:
    """Stands in for a model: answers each prompt by the seed question it contains."""

    tokenizer = None

    def generate_detailed(self, prompts, s):
        out = []
        for prompt in prompts:
            seed = next(p for p in [*PROBLEMS, P8] if p["question"] in prompt)
            text, finished = GOOD.get(seed["id"]) or PLANTED[seed["id"]][1], True
            if "Translate" in prompt:  # p1's translation ran into max_new_tokens
                text, finished = (
                    f"中文译文：{seed['question']} 的解答见下文，这里给出完整的中文叙述，公式保持不变。",
                    seed["id"] != "p1",
                )
            elif "Explain" in prompt:
                # p6's explanation echoes its prompt; the others differ from the solve_en outputs (no exact duplicates)
                text = prompt if seed["id"] == "p6" else "Explanation. " + text
            out.append([Completion(text, 20, finished)])
        return out


def test_postfilters_drop_the_planted_bad_outputs_in_a_recipe_run(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.shared.generation.make_generator", lambda *a, **k: PlantedGenerator())
    recipe = write_recipe(
        tmp_path,
        tmp_path / "model",
        [*PROBLEMS, P8],
        postfilters="{}",
        chunk_size=4,
        templates="[solve_en, explain_solution_en, translate_en_zh]",
    )
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    run_recipe(load_recipe(recipe), tmp_path / "run")
    dropped = {d["id"]: d["metadata"]["filter_reason"] for d in jsonl(tmp_path / "run" / "dropped" / "synthesis")}
    for seed, (reason, text) in PLANTED.items():
        if text.strip():
            assert dropped[f"synth/{seed}/solve_en/0"] == reason
    assert dropped["synth/p6/explain_solution_en/0"] == "prompt_echo"
    assert dropped["synth/p1/translate_en_zh/0"] == "truncated_at_token_limit"
    kept = {d["id"]: d for d in jsonl(tmp_path / "run" / "kept" / "synth")}
    for seed in GOOD:
        assert kept[f"synth/{seed}/solve_en/0"]["metadata"]["synthesis"]["answer_verified"] is True
    assert not set(dropped) & set(kept)
    report = json.loads((tmp_path / "run" / "report.json").read_text())["synthesis"]["synth"]
    assert report["templates"]["solve_en"]["dropped"] == {
        "answer_mismatch": 1,
        "empty": 2,
        "repetitive": 1,
        "truncated_no_final_answer": 1,
    }
    assert report["dropped"]["prompt_echo"] == 1 and report["dropped"]["truncated_at_token_limit"] == 1
    assert "synth/p8/solve_en/0" not in kept and report["templates"]["solve_en"]["kept"] == len(GOOD)


def test_postfilter_checks_in_english_and_chinese():
    cfg = SynthesisPostFilters()
    syn = {"final_answer": True, "solves_seed": True, "gold_answer": "\\frac{5}{6}", "finished": True}
    assert (
        drop_reason(
            "We add the fractions: $\\frac{3}{6} + \\frac{2}{6} = \\frac{5}{6}$. Final answer: $\\frac{5}{6}$",
            dict(syn),
            cfg,
        )
        is None
    )
    assert drop_reason("通分后相加得 $\\frac{10}{12}$，化简即可。答案：$\\frac{10}{12}$", dict(syn), cfg) is None
    assert (
        drop_reason("通分后相加得 $\\frac{4}{6}$，化简即可。答案：$\\frac{4}{6}$", dict(syn), cfg) == "answer_mismatch"
    )
    assert drop_reason("解：设苹果有 x 个 " * 20, dict(syn), cfg) == "repetitive"
    t = LIBRARY["solve_zh"]
    prompt = t.render({"question": "小明有 12 个苹果，吃掉 5 个，还剩几个？"})
    echo = {**syn, **echo_measures(prompt, prompt, t.instruction)}
    assert echo["instruction_echo"] and drop_reason(prompt, echo, cfg) == "prompt_echo"
    opening = t.instruction.strip()[:40] + "……好的，我们来算：12 - 5 = 7。答案：7"
    assert drop_reason(opening, {**syn, **echo_measures(opening, prompt, t.instruction)}, cfg) == "prompt_echo"
    assert drop_reason("答案：", {**syn, "gold_answer": None}, cfg) == "empty"
    # Without a gold answer nothing is verified; a seed's own question is not required to be solved by new problems.
    assert (
        drop_reason(
            "A new problem: what is 3 + 4? It is 7.\nFinal answer: 7",
            {"final_answer": True, "solves_seed": False, "gold_answer": "6"},
            cfg,
        )
        is None
    )


def test_seeds_from_a_text_file_are_clipped_and_prompts_use_the_chat_template(tmp_path):
    from pipeline.data.synthesis.generate import format_prompts
    from pipeline.data.synthesis.seeds import iter_seeds

    page = "\n\n".join(f"Paragraph {i}: the derivative of $x^{i}$ is ${i}x^{i - 1}$." for i in range(2, 60))
    (tmp_path / "pages.jsonl").write_text(json.dumps({"id": "page1", "body": page}) + "\n")
    recipe = write_recipe(tmp_path, "/models/x", templates="[textbook_zh]")
    recipe.write_text(
        recipe.read_text().replace(
            "{source: exams}", "{path: pages.jsonl, format: jsonl, text_key: body, max_chars: 300}"
        )
    )
    loaded = load_recipe(recipe)
    [seed] = iter_seeds(loaded.sources[1], loaded)
    assert seed["id"] == "page1" and len(seed["text"]) <= 300 and seed["text"].endswith("$.")
    assert page.startswith(seed["text"])

    class ChatTokenizer:
        chat_template = "{{ messages }}"

        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            return f"<|user|>{messages[0]['content']}<|assistant|>"

    assert format_prompts(ChatTokenizer(), ["Solve it."], "auto", "m") == ["<|user|>Solve it.<|assistant|>"]
    assert format_prompts(ChatTokenizer(), ["Solve it."], "plain", "m") == ["Solve it."]
    with pytest.raises(ConfigError, match="prompt_format is chat, but the tokenizer of m has no chat template"):
        format_prompts(object(), ["Solve it."], "chat", "m")


# ------------------------------------------------------------------ bad input


def test_template_with_a_field_the_seeds_lack_is_a_config_error(tmp_path):
    recipe = write_recipe(tmp_path, "/models/x")
    text = recipe.read_text().replace("format: qa_jsonl", "format: jsonl")
    recipe.write_text(text)
    with pytest.raises(
        ConfigError,
        match=r"sources.1.synthesis.templates: template 'solve_en' needs field 'question', "
        r"which seeds from source 'exams' \(format jsonl\) do not provide",
    ):
        check_recipe(load_recipe(recipe))
    recipe.write_text(
        text.replace(
            "templates: [solve_en, explain_solution_zh]",
            "templates: [mine]\n      custom_templates: [{id: mine, prompt: 'Rewrite {{text}} as {{style}}'}]",
        )
    )
    with pytest.raises(ConfigError, match="template 'mine' needs field 'style'"):
        check_recipe(load_recipe(recipe))
    recipe.write_text(text.replace("[solve_en, explain_solution_zh]", "[textbook_en, sovle_en]"))
    with pytest.raises(ConfigError, match=r"unknown template\(s\) \['sovle_en'\]; the library has textbook_en"):
        check_recipe(load_recipe(recipe))
    recipe.write_text(text.replace("{source: exams}", "{source: nowhere}"))
    with pytest.raises(ConfigError, match="seeds.source: no source named 'nowhere'"):
        check_recipe(load_recipe(recipe))


def test_synthetic_source_settings_are_checked(tmp_path):
    recipe = write_recipe(tmp_path, "/models/x")
    text = recipe.read_text()
    recipe.write_text(text.replace("    kind: synthetic\n", "    kind: synthetic\n    path: x.jsonl\n"))
    with pytest.raises(ConfigError, match="writes its own documents"):
        load_recipe(recipe)
    recipe.write_text(text.replace("    kind: synthetic\n", "    kind: books\n"))
    with pytest.raises(ConfigError, match="synthesis needs kind: synthetic"):
        load_recipe(recipe)
    recipe.write_text(text.replace("{source: exams}", "{source: exams, path: more.jsonl}"))
    with pytest.raises(ConfigError, match="exactly one of source"):
        load_recipe(recipe)


def test_generator_unavailable_fails_before_any_output(tmp_path):
    recipe = write_recipe(tmp_path, "/nonexistent/generator")
    r = run_cli("data", str(recipe), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "sources.1.synthesis.generation.model: /nonexistent/generator does not exist" in r.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty_model").mkdir()
    with pytest.raises(ConfigError, match="is not a model folder"):
        run_recipe(load_recipe(write_recipe(tmp_path, tmp_path / "empty_model")), tmp_path / "out")
    (tmp_path / "empty_model" / "config.json").write_text('{"model_type": "qwen2"}')  # a config, no weights
    with pytest.raises(ConfigError, match="cannot load the generator model .*empty_model.* with the hf backend"):
        run_recipe(load_recipe(write_recipe(tmp_path, tmp_path / "empty_model")), tmp_path / "out")


def test_missing_seed_file_and_vllm_without_a_gpu(tmp_path, tiny_model):
    recipe = write_recipe(tmp_path, tiny_model)
    text = recipe.read_text()
    recipe.write_text(text.replace("{source: exams}", "{path: nowhere.jsonl}"))
    with pytest.raises(DataError, match="synthetic source 'synth': seeds.path: .*nowhere.jsonl does not exist"):
        run_recipe(load_recipe(recipe), tmp_path / "out")
    recipe.write_text(text.replace("backend: hf", "backend: vllm"))
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError, match="backend: vllm needs"):
        run_recipe(load_recipe(recipe), tmp_path / "out")


def test_slurm_chain_starts_with_the_synthesis_pass(tiny_model, tmp_path):
    recipe = load_recipe(write_recipe(tmp_path, tiny_model), ["executor.kind=slurm", "executor.slurm.partition=gpu"])
    scripts = submit_slurm(recipe, tmp_path / "run", submit=False)
    assert [j.name.rsplit("-", 1)[1] for j in scripts.jobs] == [
        "synthesize_synth",
        "filter",
        "dedup_index",
        "dedup_buckets",
        "dedup_plan",
        "dedup",
        "tokenizer",
        "tokenize_train",
        "finish",
    ]
    assert scripts.jobs[0].steps == ["SyntheticGenerator"]
    assert scripts.jobs[1].steps[:3] == ["SourceReader", "MathExtractor", "SyntheticPostFilter"]


# ------------------------------------------------------------------ exam questions


def exam_docs(tmp_path, records, world_size=1, **fmt) -> list:
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    source = SourceConfig(
        name="exams",
        kind="exams",
        path="qa.jsonl",
        format="qa_jsonl",
        weight=1,
        qa_fields={"question": "q", "answer": "a", "solution": "s", "choices": "opts"},
        qa_format=fmt,
    )
    reader = SourceReader([source], tmp_path)
    return [d for rank in range(world_size) for d in reader.run(rank=rank, world_size=world_size)]


def test_exam_worked_solution_with_choices_in_english_and_chinese(tmp_path):
    records = [
        {"id": "e1", "q": "Which number is prime?", "opts": ["4", "7"], "s": "7 has two divisors.", "a": "B"},
        {"id": "z1", "q": "计算 $2^{10}$。", "opts": {"A": "1024", "B": "512"}, "a": "A"},
    ]
    en, zh = exam_docs(tmp_path, records, language="auto")
    assert (
        en.text == "Problem: Which number is prime?\n(A) 4\n(B) 7\n\nSolution: 7 has two divisors.\n\nFinal answer: B"
    )
    assert zh.text == "题目：计算 $2^{10}$。\n(A) 1024\n(B) 512\n\n答案：A"
    [forced] = exam_docs(tmp_path, records[:1], language="zh")
    assert forced.text.startswith("题目：Which number") and forced.text.endswith("答案：B")


def test_exam_problem_sets_put_answers_at_the_end(tmp_path):
    records = [
        {
            "id": f"e{i}",
            "q": f"What is {i} + {i}?",
            "a": str(2 * i),
            **({"s": f"{i} + {i} = {2 * i}."} if i % 2 else {}),
        }
        for i in range(1, 6)
    ]
    docs = exam_docs(tmp_path, records, layout="problem_set", problems_per_set=2)
    assert [d.id.rsplit(":", 1)[1] for d in docs] == ["1-2", "3-4", "5-5"]
    assert docs[0].text == (
        "Problem set\n\n1. What is 1 + 1?\n\n2. What is 2 + 2?\n\nAnswers\n\n1. 1 + 1 = 2.\nAnswer: 2\n\n2. Answer: 4"
    )
    # The grouping is made before records are split over tasks: the same sets whatever the task count.
    assert sorted(d.text for d in exam_docs(tmp_path, records, 2, layout="problem_set", problems_per_set=2)) == sorted(
        d.text for d in docs
    )
    zh = exam_docs(
        tmp_path,
        [{"q": "一加一等于几？", "a": "2"}, {"q": "二加二等于几？", "a": "4"}],
        layout="problem_set",
        language="auto",
    )
    assert zh[0].text == "练习题\n\n1. 一加一等于几？\n\n2. 二加二等于几？\n\n参考答案\n\n1. 答案：2\n\n2. 答案：4"


def test_every_library_template_declares_fields_and_language():
    for t in LIBRARY.values():
        assert t.fields and t.language in ("en", "zh") and set(t.fields) <= {"text", "question", "solution"}
        assert t.render({f: "SEED" for f in t.fields}).count("SEED") == len(t.fields) and "{{" not in t.render({})
    assert {t.id[-2:] for t in LIBRARY.values() if not t.id.startswith("translate")} == {"en", "zh"}
