"""Recipe ablations: variants of one recipe and training config as equal proxy models, scored the same way."""
