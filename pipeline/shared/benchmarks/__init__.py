"""Benchmark registry shared by decontamination (pipeline.data) and evaluation (pipeline.eval), and the built-in mini_gsm set."""
