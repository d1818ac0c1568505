"""Math topic generators of the sample corpus, one module per area; `catalog` lists them (TOPICS, TOPICS_BY_AREA)."""
