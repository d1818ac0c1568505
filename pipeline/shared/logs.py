"""Console logging: info from rank 0 only, warnings and errors from every rank (OLMo-core's rule)."""

from __future__ import annotations

import logging
import sys

from loguru import logger


def rank_zero_logging(rank: int) -> None:
    """Route loguru (ours and datatrove's) and stdlib logging so non-zero ranks print only WARNING and above."""
    logger.remove()
    level = "INFO" if rank == 0 else "WARNING"
    fmt = (
        "<green>{time:HH:mm:ss}</green> | <level>{level: <7}</level> | "
        + (f"rank {rank} | " if rank else "")
        + "{message}"
    )
    logger.add(sys.stderr, level=level, format=fmt)
    logging.getLogger().setLevel(logging.INFO if rank == 0 else logging.WARNING)
    for noisy in ("DeepSpeed", "deepspeed", "torch.distributed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
