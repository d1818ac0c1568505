"""torchrun helper for the export round-trip test: logits of a trained run's ZeRO-3 engine on fixed samples.

    python -m torch.distributed.run --standalone --nproc_per_node 2 tests/train/zero3_logits.py \
        CONFIG.yaml OUT.pt SAMPLES --set data.path=DATA --set output_dir=RUN

The trainer resumes RUN's latest checkpoint exactly as `mathcpt train` would (DeepSpeed loading its own partitioned
shards on every rank), runs one forward on samples 0..SAMPLES-1 of the training sequence, and rank 0 saves the
logits. The export goes the other way (zero_to_fp32 consolidation into an HF model), so equal logits mean the
exported model is the model that was trained.
"""

from __future__ import annotations

import sys

import torch

from pipeline.config.train import load_train_config
from pipeline.train.trainer import Trainer


def main(argv: list[str]) -> None:
    config, out, samples, *rest = argv
    overrides = [rest[i + 1] for i in range(0, len(rest), 2) if rest[i] == "--set"]
    cfg = load_train_config(config, overrides)
    trainer = Trainer(cfg, config)
    try:
        trainer.init_distributed()
        trainer.prepare_output()  # finds the run's checkpoint: resume
        assert trainer.resume_tag, f"{cfg.output_dir} has no checkpoint to load"
        trainer.build_dataloader()
        trainer.build_model()  # loads the checkpoint
        batch = trainer.data.batch(list(range(int(samples))))
        trainer.engine.eval()
        with torch.no_grad():
            logits = trainer.engine(
                input_ids=batch["input_ids"], position_ids=batch["position_ids"], attention_mask=None, use_cache=False
            ).logits
        if trainer.is_main:
            torch.save(
                {
                    "logits": logits.float(),
                    "input_ids": batch["input_ids"],
                    "position_ids": batch["position_ids"],
                    "step": trainer.step,
                },
                out,
            )
    finally:
        trainer.close()


if __name__ == "__main__":
    main(sys.argv[1:])
