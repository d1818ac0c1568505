"""Registry of the math topic generators, in a fixed order, and their grouping by area.

Every number in a topic's examples is random and every result is computed.
"""

from __future__ import annotations

import random

from pipeline.data.sample.topics_algebra import topic_linear_system, topic_logarithms, topic_quadratic, topic_sequences
from pipeline.data.sample.topics_calculus import topic_derivatives, topic_integrals, topic_limits, topic_optimization
from pipeline.data.sample.topics_geometry import topic_circles, topic_polygon_angles, topic_pythagoras, topic_shoelace
from pipeline.data.sample.topics_linear_algebra import topic_determinant, topic_eigen, topic_matmul, topic_vectors
from pipeline.data.sample.topics_number_theory import topic_crt, topic_divisors, topic_gcd, topic_modular
from pipeline.data.sample.topics_probability import topic_bayes, topic_binomial, topic_dice, topic_expectation


TOPICS = [
    topic_quadratic,
    topic_linear_system,
    topic_sequences,
    topic_logarithms,
    topic_derivatives,
    topic_integrals,
    topic_limits,
    topic_optimization,
    topic_gcd,
    topic_modular,
    topic_divisors,
    topic_crt,
    topic_dice,
    topic_binomial,
    topic_expectation,
    topic_bayes,
    topic_pythagoras,
    topic_circles,
    topic_shoelace,
    topic_polygon_angles,
    topic_determinant,
    topic_eigen,
    topic_matmul,
    topic_vectors,
]
TOPICS_BY_AREA: dict[str, list] = {}
for _t in TOPICS:
    TOPICS_BY_AREA.setdefault(_t(random.Random(0))["area"], []).append(_t)
AREAS = list(TOPICS_BY_AREA)
