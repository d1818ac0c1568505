"""The base of filters that judge only some document kinds (`apply_to`): others pass through as `skipped_kind`.

mathcpt data data_recipes/demo.yaml      # stages.language.apply_to, stages.math.apply_to, stages.quality.apply_to
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from pipeline.config.stages import LanguageStage, MathStage, QualityStage


class KindScopedFilter(BaseFilter):
    """A filter that judges only the document kinds it is configured for."""

    def __init__(self, settings: LanguageStage | MathStage | QualityStage, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.settings = settings
        self.apply_to = set(settings.apply_to)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if doc.metadata.get("kind") not in self.apply_to:
            self.stat_update("skipped_kind")
            return True
        return self.judge(doc)

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        raise NotImplementedError
