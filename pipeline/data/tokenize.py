"""Tokenizer preparation and per-source token shards (datatrove's DocumentTokenizer).

    mathcpt data data_recipes/demo.yaml      # stages.tokenizer in the recipe

The recipe either names a tokenizer (`stages.tokenizer.path`: Qwen2's folder or a tokenizer.json) or, as in the
demo, trains a small byte-level BPE on the kept corpus. Either way the run stores an HF tokenizer folder under
`tokenizer/`, which the trainer and export read, so a model is never paired with the wrong vocabulary.

Shards are datatrove's format, written by its DocumentTokenizer with one change (`ShardTokenizer`: ids are
written with numpy rather than `struct.pack(*ids)`): `tokens/<source>/NNNNN_<source>.ds` holds little-endian token ids (uint16, or uint32 for vocabularies
over 65,536 such as Qwen2's), `.ds.index` the uint64 end offset of every document; EOS closes every document.
With `mixture.validation_fraction` > 0 each source's documents are split by content hash (`ValidationSplit`) into
`tokens/<source>/` and `validation/<source>/`: deterministic, and a text can never be in both.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from pathlib import Path
from typing import Iterator

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.tokens.tokenizer import DocumentTokenizer, TokenizedFile
from loguru import logger

from pipeline.config.stages import TokenizerStage
from pipeline.data.shares import Progress, RunFolderReader
from pipeline.errors import ConfigError
from pipeline.shared.atomic import atomic_path
from pipeline.shared.shards import token_dtype


def iter_texts(jsonl_files: list[Path]) -> Iterator[str]:
    for path in jsonl_files:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)["text"]


def train_bpe(jsonl_files: list[Path], vocab_size: int, eos_token: str, out_dir: Path) -> Path:
    """Train a byte-level BPE (GPT-2/Qwen2 style pre-tokenisation) and save it as an HF tokenizer folder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[eos_token],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(iter_texts(jsonl_files), trainer=trainer)
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=eos_token, pad_token=eos_token)
    return save_tokenizer_folder(hf, out_dir)


def import_tokenizer(path: str, eos_token: str, out_dir: Path) -> Path:
    """Copy a user's tokenizer (HF folder or tokenizer.json) into the run, checking that it knows the EOS token."""
    from transformers import PreTrainedTokenizerFast

    from pipeline.shared.tokenizer import load_tokenizer

    src = Path(path)
    if src.is_file():
        hf = PreTrainedTokenizerFast(tokenizer_file=str(src), eos_token=eos_token, pad_token=eos_token)
    else:  # a folder, or a hub id (transformers resolves it: network or the local HF cache)
        hf = load_tokenizer(path)
    if hf.convert_tokens_to_ids(eos_token) in (None, hf.unk_token_id):
        raise ConfigError(f"stages.tokenizer.eos_token: {eos_token!r} is not a token of the tokenizer at {path}")
    if hf.pad_token is None:
        hf.pad_token = eos_token
    if not hf.is_fast:
        raise ConfigError(f"stages.tokenizer.path: {path} has no fast tokenizer (tokenizer.json) to tokenize with")
    return save_tokenizer_folder(hf, out_dir)


def save_tokenizer_folder(hf, out_dir: Path) -> Path:
    """Save under a temporary name and rename, so a run that resumes never finds half a tokenizer."""
    with atomic_path(out_dir) as tmp:
        hf.save_pretrained(str(tmp))
    return out_dir / "tokenizer.json"


def prepare_tokenizer(settings: TokenizerStage, kept_folder: Path, out_dir: Path) -> Path:
    """The run's tokenizer folder: kept if a resumed run already has one (shards already written must keep the
    vocabulary they were written with), else imported from `settings.path` or trained on the kept corpus."""
    if (out_dir / "tokenizer.json").is_file():
        return out_dir / "tokenizer.json"
    if settings.path:
        return import_tokenizer(settings.path, settings.eos_token, out_dir)
    logger.info(f"training a {settings.train_vocab_size}-token byte-level BPE on the kept corpus")
    kept = sorted(kept_folder.glob("**/*.jsonl"))
    return train_bpe(kept, settings.train_vocab_size, settings.eos_token, out_dir)


class PrepareTokenizer(PipelineStep):
    """`prepare_tokenizer` as a one-task pass, so that on Slurm the tokenize passes after it are job arrays of
    their own and read a tokenizer that exists."""

    name = "🔤 prepare tokenizer"
    type = "🔢 - TOKENIZE"

    def __init__(self, settings: TokenizerStage, kept_folder: str | Path, out_dir: str | Path):
        super().__init__()
        self.settings, self.kept_folder, self.out_dir = settings, str(kept_folder), str(out_dir)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.track_time():
            prepare_tokenizer(self.settings, Path(self.kept_folder), Path(self.out_dir))
        return iter(())


def in_validation(text: str, fraction: float) -> bool:
    """Deterministic held-out choice by content hash: the same text always lands in the same split."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") < fraction * 2**64


class ValidationSplit(BaseFilter):
    """Keeps the documents of one split (`train` or `validation`) of the content-hash split."""

    name = "✂️ validation split"

    def __init__(self, fraction: float, keep: str):
        super().__init__()
        self.fraction, self.keep_validation = fraction, keep == "validation"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return in_validation(doc.text, self.fraction) == self.keep_validation or (False, "other_split")


def batched_by_bytes(docs: DocumentsPipeline, max_docs: int, max_bytes: int) -> Iterator[list[Document]]:
    """Lists of consecutive documents, each at most max_docs long and ending at the document that passes max_bytes
    of text (so one huge document is a batch of its own)."""
    batch, size = [], 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.text)
        if len(batch) >= max_docs or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class ShardTokenizer(DocumentTokenizer):
    """datatrove's DocumentTokenizer with the per-document write done by numpy instead of `struct.pack(*ids)`.

    Same files, same layout, same EOS handling; measured faster on this machine
    (tests/benchmarks/bench_mixture_loader.py compares it with a raw `tokenizers` encode_batch).
    """

    name = "🔢 shard tokenizer"

    def __init__(self, *args, batch_size: int = 1000, batch_bytes: int = 2 << 20, **kwargs):
        # A batch is 1,000 documents or 2 MB of text, whichever comes first: enough work for the Rust tokenizer to
        # use every core, and memory bounded by bytes, not documents (datatrove's 10,000 documents hold a whole
        # small corpus at once; 1,000 book chapters held ~120 MB more than 1,000 web pages, measured).
        super().__init__(*args, batch_size=batch_size, **kwargs)
        self.batch_bytes = batch_bytes

    def write_unshuffled(self, data: DocumentsPipeline, filename: str) -> TokenizedFile:
        out = TokenizedFile(
            self.output_folder,
            filename,
            save_index=True,
            save_loss_metadata=False,
            upload_block_size=self.upload_block_size,
            tokenizer_name_or_path=self.tokenizer_name_or_path,
            save_final_metadata=self.save_final_metadata,
            token_size=self.token_size,
        )
        dtype = token_dtype(self.token_size)
        tokenizer = self.tokenizer
        # encode_batch_fast (tokenizers >= 0.21) skips the per-token offsets we never read: less memory, faster.
        encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
        for batch in batched_by_bytes(data, self.batch_size, self.batch_bytes):
            with self.track_time(unit="batch"):
                for encoded in encode([doc.text for doc in batch]):
                    out.write_bytes(np.asarray(encoded.ids, dtype=dtype).tobytes())
                    self.stat_update("tokens", value=len(encoded.ids))
        out.close()
        return out


class TokenizeSources(PipelineStep):
    """One tokenize pass for every source of a split: each task tokenizes its share of every source's kept files
    (pipeline.data.shares) into that source's shard folder, `NNNNN_<source>.ds` per task. One pass instead of one
    per source, because every pass pays for starting its worker processes."""

    name = "🔢 tokenize sources"
    type = "🔢 - TOKENIZE"

    def __init__(
        self, parts: list[tuple[str | Path, ShardTokenizer]], split_filter: ValidationSplit | None, progress_dir
    ):
        super().__init__()
        self.parts = [(RunFolderReader([folder]), tokenizer) for folder, tokenizer in parts]
        self.split_filter, self.progress_dir = split_filter, progress_dir

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # A source that kept nothing has no shards (on Slurm this pass is built before the kept files exist).
        parts = [(reader, tokenizer) for reader, tokenizer in self.parts if reader.files()]
        shares = [reader.share(rank, world_size) for reader, _ in parts]
        total = sum(s.total for s in shares)
        progress = Progress(self.progress_dir, rank, sum(s.nbytes for s in shares), total)
        for (reader, tokenizer), share in zip(parts, shares):
            docs = reader.read(share, progress)
            if self.split_filter is not None:
                docs = self.split_filter.run(docs, rank, world_size)
            written = tokenizer.run(docs, rank, world_size)
            if written is not None:  # datatrove's tokenizer writes when called or when iterated, by version
                deque(written, maxlen=0)
        progress.done()
        if data:
            yield from data
