"""Training: packed mixture loader, DeepSpeed ZeRO-3 trainer, checkpoints, HF export, metrics."""
