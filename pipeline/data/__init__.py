"""Data curation: reading sources, extraction, filters, deduplication, decontamination and the sample corpus."""
