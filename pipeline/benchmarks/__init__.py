"""Built-in evaluation benchmarks generated in code."""
