"""Few-shot chain-of-thought evaluation of any HF causal LM (does not import pipeline.train)."""
