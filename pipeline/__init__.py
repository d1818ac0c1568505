"""mathcpt: continued pretraining of Qwen2 math models (curation → ZeRO-3 training → few-shot evaluation)."""

__version__ = "0.1.0"
