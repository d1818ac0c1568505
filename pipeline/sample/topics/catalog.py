"""Registry of the math topic generators, in a fixed order, and their grouping by area.

Every number in a topic's examples is random and every result is computed.
"""

from __future__ import annotations

import random

from pipeline.sample.topics.algebra import topic_linear_system, topic_logarithms, topic_quadratic, topic_sequences
from pipeline.sample.topics.calculus import topic_derivatives, topic_integrals, topic_limits, topic_optimization
from pipeline.sample.topics.geometry import topic_circles, topic_polygon_angles, topic_pythagoras, topic_shoelace
from pipeline.sample.topics.linear_algebra import topic_determinant, topic_eigen, topic_matmul, topic_vectors
from pipeline.sample.topics.number_theory import topic_crt, topic_divisors, topic_gcd, topic_modular
from pipeline.sample.topics.probability import topic_bayes, topic_binomial, topic_dice, topic_expectation

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
