"""Geometry topics: Pythagoras, circles, the shoelace formula and polygon angles."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import num, paren, pick, signed, with_article

_TRIPLES = [(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (20, 21, 29), (9, 40, 41), (12, 35, 37), (11, 60, 61)]


def topic_pythagoras(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a, b, c = rng.choice(_TRIPLES)
    k = rng.randint(1, 4)
    a, b, c = a * k, b * k, c * k
    x1, y1 = rng.randint(-9, 9), rng.randint(-9, 9)
    a2, b2, c2 = rng.choice(_TRIPLES)
    x2, y2 = x1 + rng.choice([1, -1]) * a2, y1 + rng.choice([1, -1]) * b2
    ladder = rng.choice(_TRIPLES[:4])
    title = S(
        "The Pythagorean Theorem",
        "Right Triangles and the Distance Formula",
        "Pythagorean Triples",
        "Proofs and Applications of the Pythagorean Theorem",
        "Distances in the Plane",
    )
    s1 = Builder()
    s1.thm(
        "Theorem",
        "Pythagoras",
        r"In a right triangle with legs $a, b$ and hypotenuse $c$ we have $a^2 + b^2 = c^2$.",
        S(
            r"Place four copies of the triangle inside a square of side $a + b$. The uncovered region is a square of side $c$, so $(a + b)^2 = 4 \cdot \frac{ab}{2} + c^2$, which simplifies to $a^2 + b^2 = c^2$.",
            r"Drop the altitude from the right angle to the hypotenuse. It splits the triangle into two triangles similar to the original, which gives $a^2 = c \cdot p$ and $b^2 = c \cdot q$ with $p + q = c$; adding yields the theorem.",
        ),
    )
    s1.p(
        S(
            "More than a hundred different proofs are known, from ancient dissections to a proof by a future president of the United States.",
            "The theorem was known in special cases to Babylonian scribes long before the Greeks proved it in general.",
            "The converse also holds: if the side lengths satisfy the relation, the triangle has a right angle.",
        )
    )
    s2 = Builder()
    s2.p(
        S(
            f"A right triangle has legs ${a}$ and ${b}$.",
            f"Suppose the legs of a right triangle measure ${a}$ and ${b}$ units.",
        ),
        f"Its hypotenuse is $c = \\sqrt{{{a}^2 + {b}^2}} = \\sqrt{{{a * a + b * b}}} = {c}$.",
        S(
            f"Integer solutions such as $({a // k}, {b // k}, {c // k})$ are called Pythagorean triples, and all primitive ones are given by $(m^2 - n^2, 2mn, m^2 + n^2)$.",
            f"The triple $({a // k}, {b // k}, {c // k})$ is primitive; Euclid's formula $(m^2 - n^2, 2mn, m^2 + n^2)$ produces every primitive triple.",
        ),
    )
    s2.p(
        S(
            f"A ladder of length ${ladder[2]}$ meters leans against a wall with its foot ${ladder[0]}$ meters from the wall.",
            f"A ${ladder[2]}$-meter ladder stands ${ladder[0]}$ meters away from a vertical wall.",
        ),
        f"It reaches a height of $\\sqrt{{{ladder[2]}^2 - {ladder[0]}^2}} = {ladder[1]}$ meters.",
    )
    s3 = Builder()
    s3.p(
        S(
            "Applied to coordinates, the theorem becomes the distance formula:",
            "In coordinates the theorem measures distances:",
        )
    )
    s3.d(r"d = \sqrt{(x_2 - x_1)^2 + (y_2 - y_1)^2}")
    s3.p(
        f"The distance between $({x1}, {y1})$ and $({x2}, {y2})$ is $\\sqrt{{{paren(x2 - x1)}^2 + {paren(y2 - y1)}^2}} = \\sqrt{{{c2 * c2}}} = {c2}$.",
        S(
            "The same idea in three dimensions adds a third squared difference.",
            r"In space the formula gains a term $(z_2 - z_1)^2$.",
        ),
    )
    heads = [
        S("The theorem", "Statement and proof", "Why it is true"),
        S("Examples", "Pythagorean triples", "Right triangles in practice"),
        S("The distance formula", "Coordinates", "Distances"),
    ]
    ex = [
        f"Find the hypotenuse of a right triangle with legs ${rng.choice([6, 9, 12])}$ and ${rng.choice([8, 12, 16])}$.",
        f"Find the distance between $({rng.randint(-5, 5)}, {rng.randint(-5, 5)})$ and $({rng.randint(-5, 5)}, {rng.randint(-5, 5)})$.",
        f"Is a triangle with sides ${rng.randint(5, 9)}$, ${rng.randint(10, 14)}$ and ${rng.randint(15, 19)}$ a right triangle?",
    ]
    summary = [
        S(
            r"$a^2 + b^2 = c^2$ for right triangles.",
            "The square on the hypotenuse equals the sum of the squares on the legs.",
        ),
        S("Pythagorean triples are integer solutions.", "Euclid's formula generates all primitive triples."),
        S("The distance formula is the theorem in coordinates.", "Distances in the plane come from right triangles."),
    ]
    code = f"import math\n\nprint(math.hypot({a}, {b}))  # {float(c)}\nprint(math.dist(({x1}, {y1}), ({x2}, {y2})))  # {float(c2)}\n"
    return make_topic(
        "geometry", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_circles(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    r = rng.randint(2, 15)
    theta = rng.choice([30, 40, 45, 60, 72, 90, 120, 135, 150])
    arc = Fraction(theta, 360) * 2 * r
    sector = Fraction(theta, 360) * r * r
    cx, cy, R = rng.randint(-6, 6), rng.randint(-6, 6), rng.randint(2, 9)
    D = -2 * cx
    E = -2 * cy
    F = cx * cx + cy * cy - R * R
    title = S(
        "Circles: Circumference, Area and Sectors",
        "Arc Length and Sector Area",
        "The Geometry of the Circle",
        "Equations of Circles",
        "Radians, Arcs and Sectors",
    )
    s1 = Builder()
    s1.p(
        S(
            r"A circle of radius $r$ has circumference $C = 2\pi r$ and area $A = \pi r^2$.",
            r"The two basic formulas are $C = 2\pi r$ for the circumference and $A = \pi r^2$ for the enclosed area.",
            r"The number $\pi \approx 3.14159$ is defined as the ratio of circumference to diameter, which gives $C = 2\pi r$.",
        ),
        S(
            "Archimedes estimated the number by inscribing and circumscribing regular polygons with up to ninety-six sides.",
            "Cutting the disc into thin sectors and rearranging them into an almost rectangular shape explains the area formula.",
            "Slicing the disc into many narrow sectors and laying them side by side produces nearly a rectangle of width half the circumference and height the radius.",
        ),
        f"For $r = {r}$ we obtain $C = {2 * r}\\pi \\approx {2 * r * math.pi:.2f}$ and $A = {r * r}\\pi \\approx {r * r * math.pi:.2f}$.",
    )
    s2 = Builder()
    s2.p(
        S(
            "A sector with central angle $\\theta$ degrees takes the fraction $\\frac{\\theta}{360}$ of the whole circle.",
            "Arc length and sector area are proportional to the central angle.",
        ),
        f"With $r = {r}$ and $\\theta = {theta}^\\circ$, the arc has length $\\frac{{{theta}}}{{360}} \\cdot 2\\pi \\cdot {r} = {num(arc)}\\pi$",
        f"and the sector has area $\\frac{{{theta}}}{{360}} \\cdot \\pi \\cdot {r}^2 = {num(sector)}\\pi$.",
        S(
            r"In radians the formulas become simply $s = r\theta$ and $A = \frac{1}{2} r^2 \theta$.",
            r"Measuring the angle in radians removes the factor $\frac{1}{360}$: $s = r\theta$.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            f"The circle with center $({cx}, {cy})$ and radius ${R}$ consists of the points at distance ${R}$ from the center, so its equation is",
            f"By the distance formula, the points at distance ${R}$ from $({cx}, {cy})$ satisfy",
        )
    )
    s3.d(f"(x {signed(-cx)})^2 + (y {signed(-cy)})^2 = {R * R}")
    s3.p(
        f"Expanding gives $x^2 + y^2 {signed(D)}x {signed(E)}y {signed(F)} = 0$.",
        S(
            "Conversely, completing the square in such an equation recovers the center and the radius.",
            "Reading the center from the expanded form requires completing the square in both variables.",
        ),
    )
    heads = [
        S("Circumference and area", "Basic formulas", "The number pi"),
        S("Sectors", "Arcs and sectors", "Worked example"),
        S("Equation of a circle", "Circles in coordinates", "Analytic geometry"),
    ]
    ex = [
        f"Find the area of a circle with circumference ${2 * rng.randint(3, 12)}\\pi$.",
        f"Find the arc length of a ${rng.choice([45, 60, 120])}^\\circ$ arc in a circle of radius ${rng.randint(3, 12)}$.",
        f"Find the center and radius of $x^2 + y^2 - {2 * rng.randint(1, 5)}x + {2 * rng.randint(1, 5)}y = {rng.randint(1, 20)}$.",
    ]
    summary = [
        S(r"$C = 2\pi r$ and $A = \pi r^2$.", "Circumference is linear and area quadratic in the radius."),
        S("Sectors are proportional to their angle.", r"In radians $s = r\theta$."),
        S(
            "Complete the square to find center and radius.",
            "A circle is a set of points at fixed distance from a center.",
        ),
    ]
    code = (
        f"import math\n\nr, theta = {r}, {theta}\nprint(theta / 360 * 2 * math.pi * r, theta / 360 * math.pi * r**2)\n"
    )
    return make_topic(
        "geometry", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_shoelace(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        pts = [(rng.randint(-6, 8), rng.randint(-6, 8)) for _ in range(3)]
        twice = sum(pts[i][0] * pts[(i + 1) % 3][1] - pts[(i + 1) % 3][0] * pts[i][1] for i in range(3))
        if twice != 0:
            break
    if twice < 0:
        pts = [pts[0], pts[2], pts[1]]
        twice = -twice
    area = Fraction(twice, 2)
    terms = " + ".join(
        f"({x1} \\cdot {paren(y2)} - {paren(x2)} \\cdot {paren(y1)})"
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1])
    )
    heron = rng.choice(
        [(13, 14, 15), (5, 5, 6), (5, 5, 8), (10, 13, 13), (9, 10, 17), (7, 15, 20), (6, 25, 29), (17, 10, 9)]
    )
    ss = sum(heron) // 2
    harea = math.isqrt(ss * (ss - heron[0]) * (ss - heron[1]) * (ss - heron[2]))
    title = S(
        "Areas of Polygons from Coordinates",
        "The Shoelace Formula",
        "Triangle Area: Three Formulas",
        "Heron's Formula and the Shoelace Formula",
        "Computing Areas in Coordinate Geometry",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The area of a triangle is half the base times the height, $A = \frac{1}{2}bh$, but the height is not always easy to find.",
            r"Beyond the school formula $A = \frac{1}{2}bh$ there are formulas that use only coordinates or only side lengths.",
            "Coordinates turn area computations into pure arithmetic.",
        ),
        S(
            r"For a polygon with vertices $(x_1, y_1), \dots, (x_n, y_n)$ listed counterclockwise, the shoelace formula states",
            r"If the vertices $(x_i, y_i)$ are listed in counterclockwise order, the area equals",
        ),
    )
    s1.d(r"A = \frac{1}{2} \sum_{i=1}^{n} (x_i y_{i+1} - x_{i+1} y_i)")
    s1.p(
        S("with the convention that the index $n + 1$ means $1$.", "where the indices are read cyclically."),
        S(
            "The name comes from the crisscross pattern of the products.",
            "Each term is twice the signed area of a triangle with one vertex at the origin.",
        ),
    )
    s2 = Builder()
    s2.p(
        S("Take the triangle with vertices", "Consider the points")
        + " "
        + ", ".join(f"$({x}, {y})$" for x, y in pts)
        + ".",
        f"The sum is ${terms} = {twice}$, so the area is ${num(area)}$.",
        S(
            "Listing the vertices clockwise would change only the sign.",
            "A negative sum would simply mean clockwise order.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            "If only the side lengths are known, Heron's formula applies:",
            "Heron of Alexandria found an area formula that uses only the three sides:",
        )
    )
    s3.d(r"A = \sqrt{s(s - a)(s - b)(s - c)}, \quad s = \frac{a + b + c}{2}")
    s3.p(
        f"For sides ${heron[0]}$, ${heron[1]}$, ${heron[2]}$ the semiperimeter is $s = {ss}$ and $A = \\sqrt{{{ss} \\cdot {ss - heron[0]} \\cdot {ss - heron[1]} \\cdot {ss - heron[2]}}} = {harea}$.",
        S(
            "Triangles with integer sides and integer area are called Heronian.",
            "This is a Heronian triangle: integer sides and integer area.",
        ),
    )
    heads = [
        S("Area formulas", "The shoelace formula", "From coordinates to area"),
        S("Worked example", "A triangle in the plane", "Example"),
        S("Heron's formula", "Side lengths only", "A formula from antiquity"),
    ]
    ex = [
        f"Find the area of the quadrilateral with vertices $(0, 0)$, $({rng.randint(3, 9)}, 0)$, $({rng.randint(4, 9)}, {rng.randint(3, 8)})$, $(0, {rng.randint(2, 7)})$.",
        f"Find the area of a triangle with sides ${rng.choice(['5, 12, 13', '8, 15, 17', '13, 14, 15'])}$.",
        "Show that three points are collinear exactly when the shoelace sum vanishes.",
    ]
    summary = [
        S("The shoelace formula needs only coordinates.", "Cyclic cross products give twice the area."),
        S("Heron's formula needs only side lengths.", "The semiperimeter simplifies Heron's formula."),
        S("Orientation determines the sign.", "Clockwise order gives a negative signed area."),
    ]
    code = (
        f"pts = {pts}\ntwice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]))\n"
        f"print(abs(twice) / 2)  # {float(area)}\n"
    )
    return make_topic(
        "geometry", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_polygon_angles(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    n = rng.randint(5, 20)
    total = (n - 2) * 180
    each = Fraction(total, n)
    diag = n * (n - 3) // 2
    k = rng.choice([3, 4, 5, 6, 8, 9, 10, 12, 15, 18, 20, 24])
    names = {5: "pentagon", 6: "hexagon", 7: "heptagon", 8: "octagon", 9: "nonagon", 10: "decagon", 12: "dodecagon"}
    nm = names.get(n, f"{n}-gon")
    title = S(
        "Angles in Polygons",
        "Interior and Exterior Angles of Polygons",
        "Counting Diagonals and Angles",
        "Regular Polygons",
        "The Angle Sum of a Polygon",
    )
    s1 = Builder()
    s1.p(
        S(
            "The angles of a triangle add up to $180^\\circ$, and this fact extends to every polygon.",
            "Every convex polygon can be cut into triangles by drawing the diagonals from a single vertex.",
            "Triangulation is the key to all angle formulas for polygons.",
        ),
        S(
            r"An $n$-gon splits into $n - 2$ triangles, so its interior angles add up to $(n - 2) \cdot 180^\circ$.",
            r"From one vertex we can draw $n - 3$ diagonals, creating $n - 2$ triangles and an angle sum of $(n - 2) \cdot 180^\circ$.",
        ),
        f"For {with_article(nm)} this gives $({n} - 2) \\cdot 180^\\circ = {total}^\\circ$.",
    )
    s2 = Builder()
    s2.p(
        S(
            f"In a regular {nm} all angles are equal, so each measures $\\frac{{{total}}}{{{n}}} = {num(each)}^\\circ$.",
            f"Each interior angle of the regular {nm} equals ${num(each)}^\\circ$.",
        ),
        S(
            "The exterior angles of any convex polygon always add up to $360^\\circ$, which gives a faster route.",
            "Walking around the polygon we turn through a full circle, so the exterior angles sum to $360^\\circ$.",
        ),
        f"A regular polygon with exterior angle ${num(Fraction(360, k))}^\\circ$ therefore has ${k}$ sides.",
    )
    s3 = Builder()
    s3.p(
        S(
            r"Each of the $n$ vertices connects by a diagonal to $n - 3$ others, and each diagonal is counted twice, so there are $\frac{n(n - 3)}{2}$ diagonals.",
            r"The number of diagonals is $\binom{n}{2} - n = \frac{n(n-3)}{2}$: all pairs of vertices minus the sides.",
        ),
        f"The {nm} has $\\frac{{{n} \\cdot {n - 3}}}{{2}} = {diag}$ diagonals.",
        S(
            "Only three regular polygons, the triangle, the square and the hexagon, tile the plane, because their angles divide $360^\\circ$.",
            "Bees use hexagons, one of only three regular polygons that tile the plane without gaps.",
        ),
    )
    heads = [
        S("Angle sums", "Triangulating a polygon", "Interior angles"),
        S("Regular polygons", "Exterior angles", "Equal angles"),
        S("Diagonals", "Counting diagonals", "Tilings"),
    ]
    ex = [
        f"Find the interior angle sum of a ${rng.randint(7, 25)}$-gon.",
        f"How many sides has a regular polygon with interior angle ${rng.choice([140, 144, 150, 156, 160, 162])}^\\circ$?",
        f"How many diagonals does a ${rng.randint(8, 30)}$-gon have?",
    ]
    summary = [
        S(r"Interior angle sum: $(n - 2) \cdot 180^\circ$.", "Split polygons into triangles."),
        S(r"Exterior angles sum to $360^\circ$.", "Regular polygons have equal exterior angles."),
        S(
            r"An $n$-gon has $\frac{n(n-3)}{2}$ diagonals.",
            "Count diagonals by choosing pairs of non-adjacent vertices.",
        ),
    ]
    code = f"n = {n}\nprint((n - 2) * 180, (n - 2) * 180 / n, n * (n - 3) // 2)  # {total} {float(each)} {diag}\n"
    return make_topic(
        "geometry", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )
