"""Exam-style problem generators (question, worked solution, final answer), also used by the synthetic problem sets."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipeline.sample.text import deriv, eval_poly, lin_factor, num, paren, pick, plain_frac, poly, signed, with_article
from pipeline.sample.topics.number_theory import euclid_steps


def _prob(question: str, steps: list[str], answer) -> dict:
    ans = plain_frac(answer) if isinstance(answer, Fraction) else str(answer)
    return {"question": question, "steps": steps, "answer": ans}


def ex_linear(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    x0 = rng.randint(-9, 12)
    a, c = rng.sample(range(2, 13), 2)
    b = rng.randint(-20, 20)
    d = (a - c) * x0 + b
    q = S(
        f"Solve for $x$: ${a}x {signed(b)} = {c}x {signed(d)}$.",
        f"Find the value of $x$ that satisfies the equation ${a}x {signed(b)} = {c}x {signed(d)}$.",
        f"For which real number $x$ do the expressions ${a}x {signed(b)}$ and ${c}x {signed(d)}$ take the same value?",
    )
    steps = [
        S(
            f"Collect the terms with $x$ on the left by subtracting ${c}x$ from both sides: ${a - c}x {signed(b)} = {d}$.",
            f"Move ${c}x$ to the left-hand side, which gives ${a - c}x {signed(b)} = {d}$.",
        ),
        S(
            f"Subtracting ${b}$ from both sides leaves ${a - c}x = {d - b}$.",
            f"Isolating the $x$ term yields ${a - c}x = {d - b}$.",
        ),
        f"Dividing by ${a - c}$ gives $x = {x0}$.",
        S(
            f"Check: the left side is ${a} \\cdot {paren(x0)} {signed(b)} = {a * x0 + b}$ and the right side is ${c} \\cdot {paren(x0)} {signed(d)} = {c * x0 + d}$.",
            f"Substituting back, both sides equal ${a * x0 + b}$, so the solution is correct.",
        ),
    ]
    steps.insert(
        0,
        S(
            "This is a linear equation in one unknown, so we collect the terms containing $x$ on one side and the constants on the other.",
            "A linear equation is solved by isolating the unknown: every operation is applied to both sides so that equality is preserved.",
            "We isolate the unknown step by step, always doing the same thing to both sides of the equation.",
        ),
    )
    steps.append(
        S(
            f"Therefore the equation has exactly one solution, namely $x = {x0}$.",
            f"So the unique solution of the equation is $x = {x0}$.",
            f"We conclude that the required value of the unknown is ${x0}$.",
        )
    )
    return _prob(q, steps, x0)


def ex_vieta(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    r1, r2 = rng.randint(-7, 9), rng.randint(-7, 9)
    s, p = r1 + r2, r1 * r2
    P = poly([1, -s, p])
    val = s * s - 2 * p
    q = S(
        f"Let $r$ and $t$ be the roots of ${P} = 0$. Compute $r^2 + t^2$.",
        f"The equation ${P} = 0$ has roots $r$ and $t$. Without solving it, find $r^2 + t^2$.",
        f"If $r, t$ denote the solutions of ${P} = 0$, what is the value of $r^2 + t^2$?",
    )
    steps = [
        S(
            f"By Vieta's formulas, $r + t = {s}$ and $rt = {p}$.",
            f"The sum of the roots is ${s}$ and their product is ${p}$ (Vieta).",
        ),
        S(
            "Use the identity $r^2 + t^2 = (r + t)^2 - 2rt$.",
            "Squaring the sum gives $(r + t)^2 = r^2 + 2rt + t^2$, so $r^2 + t^2 = (r + t)^2 - 2rt$.",
        ),
        f"Hence $r^2 + t^2 = {paren(s)}^2 - 2 \\cdot {paren(p)} = {s * s} {signed(-2 * p)} = {val}$.",
        S(
            f"Indeed the roots are ${r1}$ and ${r2}$, and ${paren(r1)}^2 + {paren(r2)}^2 = {val}$.",
            f"As a check, factoring gives roots ${r1}$ and ${r2}$, whose squares add to ${val}$.",
        ),
    ]
    steps.insert(
        0,
        S(
            "Solving the quadratic explicitly is possible but unnecessary, because the requested expression is symmetric in the two roots.",
            "Instead of computing the roots one by one, we express the symmetric quantity through their sum and their product.",
            "Any symmetric expression in the roots can be written using only the sum and the product of the roots, which we read off the coefficients.",
        ),
    )
    steps.append(
        S(
            f"So the value of the requested expression is ${val}$.",
            f"Therefore the sum of the squares of the roots equals ${val}$.",
            f"This gives the final value ${val}$ without ever solving the equation.",
        )
    )
    return _prob(q, steps, val)


def ex_tickets(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    A, C = rng.randint(8, 20), rng.randint(3, 7)
    x, y = rng.randint(20, 150), rng.randint(20, 150)
    T, R = x + y, A * x + C * y
    event = rng.choice(["a school play", "a museum", "a concert", "a science fair", "a puppet theater"])
    q = S(
        f"Tickets for {event} cost ${A}$ dollars for adults and ${C}$ dollars for children. A total of ${T}$ tickets were sold, bringing in ${R}$ dollars. How many adult tickets were sold?",
        f"At {event}, adult tickets were priced at ${A}$ dollars and child tickets at ${C}$ dollars. If ${T}$ tickets earned ${R}$ dollars in total, find the number of adult tickets.",
    )
    steps = [
        S(
            f"Let $a$ be the number of adult tickets and $c$ the number of child tickets. Then $a + c = {T}$ and ${A}a + {C}c = {R}$.",
            f"With $a$ adult and $c$ child tickets we have the system $a + c = {T}$, ${A}a + {C}c = {R}$.",
        ),
        f"Substituting $c = {T} - a$ gives ${A}a + {C}({T} - a) = {R}$, that is ${A - C}a + {C * T} = {R}$.",
        f"So ${A - C}a = {R - C * T}$ and $a = {x}$.",
        S(
            f"Then $c = {y}$, and indeed ${A} \\cdot {x} + {C} \\cdot {y} = {R}$.",
            f"This leaves $c = {T} - {x} = {y}$ child tickets, which checks out.",
        ),
    ]
    steps.append(
        S(
            f"So the number of adult tickets sold was ${x}$.",
            "Setting up two equations in two unknowns is the standard approach for this kind of mixture problem.",
            f"Therefore ${x}$ adult tickets were sold.",
        )
    )
    return _prob(q, steps, x)


def ex_arith_seq(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a1, d = rng.randint(-20, 30), rng.choice([-7, -5, -3, -2, 2, 3, 4, 5, 6, 9, 11])
    m, n = sorted(rng.sample(range(2, 15), 2))
    k = rng.randint(16, 60)
    am, an, ak = a1 + (m - 1) * d, a1 + (n - 1) * d, a1 + (k - 1) * d
    q = S(
        f"In an arithmetic sequence the ${m}$th term is ${am}$ and the ${n}$th term is ${an}$. Find the ${k}$th term.",
        f"The terms $a_{{{m}}} = {am}$ and $a_{{{n}}} = {an}$ of an arithmetic progression are known. Determine $a_{{{k}}}$.",
    )
    steps = [
        S(
            f"Going from term ${m}$ to term ${n}$ adds the common difference ${n - m}$ times, so ${n - m}d = {an} - {paren(am)} = {an - am}$.",
            f"We have $a_{{{n}}} - a_{{{m}}} = ({n} - {m})d$, hence ${n - m}d = {an - am}$.",
        ),
        f"Therefore $d = {d}$.",
        f"The first term is $a_1 = a_{{{m}}} - {m - 1}d = {am} - {paren((m - 1) * d)} = {a1}$.",
        f"Finally $a_{{{k}}} = a_1 + {k - 1}d = {a1} + {k - 1} \\cdot {paren(d)} = {ak}$.",
    ]
    steps.insert(
        0,
        S(
            "In an arithmetic sequence every term is obtained from the previous one by adding the same common difference $d$.",
            "Recall that consecutive terms of an arithmetic progression always differ by one fixed number, the common difference.",
            "The key fact is that an arithmetic sequence changes by the same amount from each term to the next.",
        ),
    )
    steps.append(
        S(
            f"So the requested term of the sequence is ${ak}$.",
            f"Therefore the answer to the question is ${ak}$.",
            f"As a sanity check, the sign of the common difference tells us whether the terms grow or shrink, and the value ${ak}$ is consistent with that.",
        )
    )
    return _prob(q, steps, ak)


def ex_triangle_area(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        pts = [(rng.randint(-8, 9), rng.randint(-8, 9)) for _ in range(3)]
        (x1, y1), (x2, y2), (x3, y3) = pts
        twice = x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2)
        if twice != 0 and twice % 2 == 0:
            break
    names = rng.choice(["ABC", "PQR", "KLM", "XYZ", "DEF"])
    q = S(
        f"Find the area of triangle ${names}$ with vertices ${names[0]}({x1}, {y1})$, ${names[1]}({x2}, {y2})$ and ${names[2]}({x3}, {y3})$.",
        f"The points $({x1}, {y1})$, $({x2}, {y2})$ and $({x3}, {y3})$ are the vertices of a triangle. What is its area?",
    )
    steps = [
        S(
            "Use the shoelace formula $A = \\frac{1}{2}|x_1(y_2 - y_3) + x_2(y_3 - y_1) + x_3(y_1 - y_2)|$.",
            "The area of a triangle with given vertices is half the absolute value of $x_1(y_2 - y_3) + x_2(y_3 - y_1) + x_3(y_1 - y_2)$.",
        ),
        f"Here the three terms are ${x1} \\cdot {paren(y2 - y3)} = {x1 * (y2 - y3)}$, ${x2} \\cdot {paren(y3 - y1)} = {x2 * (y3 - y1)}$ and ${x3} \\cdot {paren(y1 - y2)} = {x3 * (y1 - y2)}$.",
        f"Their sum is ${twice}$, so the area is $\\frac{{1}}{{2}} \\cdot {abs(twice)} = {abs(twice) // 2}$.",
    ]
    steps.insert(
        0,
        S(
            "Since all three vertices are given by their coordinates, the most direct tool is the shoelace formula.",
            "We do not need the side lengths or an altitude; the coordinates of the vertices are enough to compute the area.",
            "Coordinates make the computation mechanical, so we use the standard determinant formula for the area of a triangle.",
        ),
    )
    steps.append(
        S(
            f"Hence the triangle has an area of ${abs(twice) // 2}$ square units.",
            "The absolute value matters because the sign of the sum only depends on the orientation in which the vertices are listed.",
            f"So the area of the triangle is ${abs(twice) // 2}$, independent of the order of the vertices.",
        )
    )
    return _prob(q, steps, abs(twice) // 2)


def ex_inscribed_square(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    r = rng.randint(2, 20)
    unit = rng.choice(["cm", "m", "inches", "units"])
    q = S(
        f"A square is inscribed in a circle of radius ${r}$ {unit}. What is the area of the square?",
        f"The four vertices of a square lie on a circle with radius ${r}$ {unit}. Find the area of the square.",
        f"A carpenter cuts the largest possible square from a round board whose diameter is ${2 * r}$ {unit}. How large is the area of the square?",
        f"Find the area of a square whose circumscribed circle has radius ${r}$.",
    )
    steps = [
        S(
            f"The diagonal of the square is a diameter of the circle, so it has length ${2 * r}$.",
            f"Each diagonal of the inscribed square passes through the center, hence equals the diameter ${2 * r}$.",
            f"Opposite corners of the square are endpoints of a diameter, which measures $d = {2 * r}$.",
        ),
        S(
            r"If the side is $s$, the Pythagorean theorem gives $s^2 + s^2 = d^2$.",
            r"For a square with side $s$ the diagonal satisfies $d^2 = 2s^2$.",
            r"Alternatively, a square is a rhombus, and the area of a rhombus is half the product of its diagonals: $\frac{d^2}{2}$.",
        ),
        S(
            f"Therefore $s^2 = \\frac{{{2 * r}^2}}{{2}} = {2 * r * r}$, and the area of the square is ${2 * r * r}$.",
            f"Substituting gives an area of $\\frac{{{4 * r * r}}}{{2}} = {2 * r * r}$ square {unit}.",
            f"So the area equals $2r^2 = 2 \\cdot {r}^2 = {2 * r * r}$.",
        ),
    ]
    steps.insert(
        0,
        S(
            "A good picture helps: the square and the circle share the same center, and the corners of the square touch the circle.",
            "The key observation concerns the diagonals of the square and the diameter of the circle.",
            "We relate the size of the square to the radius of the circle through the diagonal.",
        ),
    )
    return _prob(q, steps, 2 * r * r)


def ex_committee(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    men, women = rng.randint(4, 10), rng.randint(4, 10)
    k = rng.randint(3, 6)
    j = rng.randint(max(1, k - men), min(k - 1, women))
    a, b = math.comb(women, j), math.comb(men, k - j)
    group = rng.choice(["club", "class", "department", "orchestra", "team"])
    wj = "woman" if j == 1 else "women"
    q = S(
        f"{with_article(group).capitalize()} has ${men}$ men and ${women}$ women. In how many ways can a committee of ${k}$ people be chosen that contains exactly ${j}$ {wj}?",
        f"From ${women}$ women and ${men}$ men in {with_article(group)}, a committee of ${k}$ members is formed. How many committees include exactly ${j}$ {wj}?",
    )
    steps = [
        S(
            f"Choose the women first: there are $\\binom{{{women}}}{{{j}}} = {a}$ ways.",
            f"The ${j}$ {wj} can be selected in $\\binom{{{women}}}{{{j}}} = {a}$ ways.",
        ),
        S(
            f"The remaining ${k - j}$ members are men, chosen in $\\binom{{{men}}}{{{k - j}}} = {b}$ ways.",
            f"Independently we pick ${k - j}$ men from ${men}$, in $\\binom{{{men}}}{{{k - j}}} = {b}$ ways.",
        ),
        f"By the multiplication principle the number of committees is ${a} \\cdot {b} = {a * b}$.",
    ]
    steps.append(
        S(
            "The multiplication principle applies because every choice of the women can be combined with every choice of the men.",
            f"So there are ${a * b}$ possible committees.",
            f"Therefore the number of such committees is ${a * b}$.",
        )
    )
    return _prob(q, steps, a * b)


_WORDS = [
    "LEVEL",
    "BANANA",
    "ALGEBRA",
    "STATISTICS",
    "COMMITTEE",
    "PEPPER",
    "MISSISSIPPI",
    "SUCCESS",
    "GEOMETRY",
    "CALCULUS",
    "PARALLEL",
    "TOMATO",
    "ADDRESS",
    "BOOKKEEPER",
    "REFERENCE",
    "INFINITY",
]


def ex_arrangements(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    w = rng.choice(_WORDS)
    counts = sorted(((w.count(ch), ch) for ch in set(w)), key=lambda t: (-t[0], t[1]))
    reps = [(c, ch) for c, ch in counts if c > 1]
    total = math.factorial(len(w))
    denom = 1
    for c, _ in reps:
        denom *= math.factorial(c)
    rep_text = ", ".join(f"{ch} appears {c} times" for c, ch in reps)
    den_tex = " \\cdot ".join(f"{c}!" for c, _ in reps)
    q = S(
        f"How many distinct arrangements of the letters of the word {w} are there?",
        f"In how many different ways can the letters of {w} be arranged in a row?",
        f"Count the different strings that can be formed by rearranging all the letters of {w}.",
        f"Tiles spelling {w} are shuffled and laid out in a line. How many different words, meaningful or not, can appear?",
    )
    steps = [
        S(f"The word has ${len(w)}$ letters, and {rep_text}.", f"There are ${len(w)}$ letters in total; {rep_text}."),
        S(
            f"If all letters were different there would be ${len(w)}! = {total}$ arrangements.",
            f"Treating all letters as distinct gives ${len(w)}! = {total}$ orders.",
        ),
        S(
            "Swapping identical letters does not produce a new arrangement, so we divide by the factorial of each multiplicity.",
            "Each arrangement is counted once for every permutation of identical letters among themselves.",
        ),
        f"The answer is $\\frac{{{len(w)}!}}{{{den_tex}}} = \\frac{{{total}}}{{{denom}}} = {total // denom}$.",
    ]
    return _prob(q, steps, total // denom)


def ex_two_reds(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    r, b = rng.randint(3, 9), rng.randint(2, 9)
    n = r + b
    pr = Fraction(r * (r - 1), n * (n - 1))
    color = rng.choice([("red", "blue"), ("green", "yellow"), ("white", "black")])
    q = S(
        f"A bag contains ${r}$ {color[0]} and ${b}$ {color[1]} marbles. Two marbles are drawn at random without replacement. What is the probability that both are {color[0]}?",
        f"Two balls are taken without replacement from an urn holding ${r}$ {color[0]} balls and ${b}$ {color[1]} balls. Find the probability that both balls are {color[0]}.",
    )
    steps = [
        f"There are ${n}$ marbles in total, so the first draw is {color[0]} with probability $\\frac{{{r}}}{{{n}}}$.",
        f"Given that, ${r - 1}$ of the remaining ${n - 1}$ are {color[0]}, so the second is {color[0]} with probability $\\frac{{{r - 1}}}{{{n - 1}}}$.",
        f"Multiplying, the probability is $\\frac{{{r}}}{{{n}}} \\cdot \\frac{{{r - 1}}}{{{n - 1}}} = \\frac{{{r * (r - 1)}}}{{{n * (n - 1)}}} = {num(pr)}$.",
        S(
            f"Equivalently, $\\binom{{{r}}}{{2}} / \\binom{{{n}}}{{2}} = {math.comb(r, 2)} / {math.comb(n, 2)}$ gives the same value.",
            "Counting unordered pairs instead leads to the same fraction.",
        ),
    ]
    return _prob(q, steps, pr)


def ex_derivative_at(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    co = [rng.randint(1, 5), rng.randint(-6, 6), rng.randint(-9, 9), rng.randint(-9, 9)]
    x0 = rng.randint(-3, 4)
    d = deriv(co)
    val = eval_poly(d, x0)
    fname = rng.choice(["f", "g", "h", "p"])
    q = S(
        f"Let ${fname}(x) = {poly(co)}$. Find ${fname}'({x0})$.",
        f"Compute the slope of the tangent line to the graph of $y = {poly(co)}$ at $x = {x0}$.",
    )
    steps = [
        S("Differentiate term by term using the power rule.", r"Apply $\frac{d}{dx} x^n = n x^{n-1}$ to each term."),
        f"This gives the derivative ${poly(d)}$.",
        f"At $x = {x0}$ we get ${d[0]} \\cdot {paren(x0)}^2 {signed(d[1])} \\cdot {paren(x0)} {signed(d[2])} = {val}$.",
        S(f"So the slope equals ${val}$.", f"Hence the required value is ${val}$."),
    ]
    steps.insert(
        0,
        S(
            "The derivative of a polynomial is computed term by term: constant terms vanish, and each power of $x$ loses one degree while its old exponent becomes a factor.",
            "To find the slope at a point we first differentiate the whole polynomial and then substitute the given value of the variable.",
            "We use the rules for differentiating sums and powers, and afterwards evaluate the derivative at the given point.",
        ),
    )
    steps.append(
        S(
            f"Geometrically, the number ${val}$ is the slope of the tangent line to the graph at that point.",
            f"Therefore the derivative at the given point equals ${val}$, which is the instantaneous rate of change there.",
            f"So the answer is ${val}$; a positive value would mean the function is increasing near the point, a negative one that it is decreasing.",
        )
    )
    return _prob(q, steps, val)


def ex_integral(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a, b, c = rng.choice([3, 6, 9, 12]), rng.choice([2, 4, 6, -2, -4]), rng.randint(-6, 8)
    t = rng.randint(1, 5)
    A, B = a // 3, b // 2
    val = A * t**3 + B * t**2 + c * t
    q = S(
        f"Evaluate $\\int_0^{{{t}}} ({poly([a, b, c])})\\,dx$.",
        f"Compute the definite integral of ${poly([a, b, c])}$ with respect to $x$ from $0$ to ${t}$.",
    )
    steps = [
        f"An antiderivative is $F(x) = {poly([A, B, c, 0])}$.",
        S(
            f"By the fundamental theorem of calculus the integral equals $F({t}) - F(0)$.",
            f"The integral is $F({t}) - F(0)$, and $F(0) = 0$.",
        ),
        f"We have $F({t}) = {A} \\cdot {t**3} {signed(B)} \\cdot {t * t} {signed(c)} \\cdot {t} = {val}$.",
        f"Therefore the value of the integral is ${val}$.",
    ]
    steps.insert(
        0,
        S(
            "To evaluate a definite integral we find an antiderivative of the integrand and then apply the fundamental theorem of calculus.",
            "Since the integrand is a polynomial, we can integrate each term separately using the power rule for integrals.",
            "The plan is to compute an antiderivative term by term and then take the difference of its values at the two endpoints of the interval.",
        ),
    )
    steps.append(
        S(
            f"So the definite integral equals ${val}$, the signed area between the graph and the horizontal axis over the interval.",
            f"This number, ${val}$, is the signed area under the curve on the given interval.",
            "One can double-check the result by differentiating the antiderivative, which must give back the original integrand.",
        )
    )
    return _prob(q, steps, val)


def ex_limit(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a, k = rng.randint(1, 9), rng.choice([v for v in range(-8, 10) if v])
    num = poly([1, k - a, -k * a])
    q = S(
        f"Evaluate $\\lim_{{x \\to {a}}} \\frac{{{num}}}{{x - {a}}}$.",
        f"Find the limit of $\\frac{{{num}}}{{x - {a}}}$ as $x$ approaches ${a}$.",
    )
    steps = [
        S(
            f"Direct substitution gives $\\frac{{0}}{{0}}$, since ${a}$ is a root of the numerator.",
            "Plugging in the point produces the indeterminate form $\\frac{0}{0}$.",
        ),
        f"Factor the numerator: ${num} = (x - {a}){lin_factor(-k)}$.",
        f"For $x \\neq {a}$ the quotient simplifies to $x {signed(k)}$.",
        f"Letting $x \\to {a}$ gives the limit ${a} {signed(k)} = {a + k}$.",
    ]
    steps.insert(
        0,
        S(
            "Both the numerator and the denominator vanish at the point, so we cannot simply substitute; we simplify the quotient first.",
            "When a rational function takes the form zero over zero at a point, a common factor can usually be cancelled.",
            "The standard technique for this type of limit is to factor the numerator and cancel the factor that causes the trouble.",
        ),
    )
    steps.append(
        S(
            "The cancellation is allowed because the limit only depends on values of $x$ close to, but different from, the point.",
            f"Therefore the limit exists and equals ${a + k}$, even though the original expression is undefined at the point itself.",
            f"So the value of the limit is ${a + k}$.",
        )
    )
    return _prob(q, steps, a + k)


def ex_gcd_lcm(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    g = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 12, 15])
    m, n = rng.sample(range(2, 30), 2)
    while math.gcd(m, n) != 1:
        n += 1
    a, b = g * m, g * n
    l = a * b // g  # noqa: E741
    steps_e = euclid_steps(max(a, b), min(a, b))
    q = S(
        f"Find $\\gcd({a}, {b}) + \\operatorname{{lcm}}({a}, {b})$.",
        f"Let $d$ be the greatest common divisor and $m$ the least common multiple of ${a}$ and ${b}$. Compute $d + m$.",
    )
    steps = [
        S("Apply the Euclidean algorithm:", "Use repeated division:")
        + " "
        + "; ".join(f"${u} = {qq} \\cdot {v} + {rr}$" for u, v, qq, rr in steps_e)
        + ".",
        f"The last nonzero remainder is ${g}$, so the gcd is ${g}$.",
        S(
            f"Since $\\gcd \\cdot \\operatorname{{lcm}} = {a} \\cdot {b}$, the lcm is $\\frac{{{a * b}}}{{{g}}} = {l}$.",
            f"The least common multiple equals $\\frac{{{a} \\cdot {b}}}{{{g}}} = {l}$.",
        ),
        f"The requested sum is ${g} + {l} = {g + l}$.",
    ]
    steps.insert(
        0,
        S(
            "The Euclidean algorithm finds the greatest common divisor by repeatedly replacing the larger number with the remainder of a division.",
            "We first compute the greatest common divisor with Euclid's algorithm and then obtain the least common multiple from it.",
            "Factoring both numbers would work, but the Euclidean algorithm is faster and less error-prone.",
        ),
    )
    steps.append(
        S(
            f"Therefore the answer is ${g + l}$.",
            f"So the sum of the two numbers we were asked for equals ${g + l}$.",
            f"Adding the greatest common divisor and the least common multiple gives the final result ${g + l}$.",
        )
    )
    return _prob(q, steps, g + l)


def ex_power_mod(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    p = rng.choice([5, 7, 11, 13])
    a = rng.randint(2, 3 * p)
    while a % p == 0:
        a += 1
    e = rng.randint(40, 2024)
    red = e % (p - 1)
    res = pow(a, e, p)
    q = S(f"Find the remainder when ${a}^{{{e}}}$ is divided by ${p}$.", f"What is ${a}^{{{e}}} \\bmod {p}$?")
    steps = [
        S(
            f"Since ${p}$ is prime and does not divide ${a}$, Fermat's little theorem gives ${a}^{{{p - 1}}} \\equiv 1 \\pmod{{{p}}}$.",
            f"By Fermat's little theorem, ${a}^{{{p - 1}}} \\equiv 1$ modulo the prime ${p}$.",
        ),
        f"Write ${e} = {p - 1} \\cdot {e // (p - 1)} + {red}$, so ${a}^{{{e}}} \\equiv {a}^{{{red}}} \\pmod{{{p}}}$.",
        f"Reducing the base first, ${a} \\equiv {a % p} \\pmod{{{p}}}$, and ${a % p}^{{{red}}} = {(a % p) ** red}$.",
        f"Finally ${(a % p) ** red} \\equiv {res} \\pmod{{{p}}}$, so the remainder is ${res}$.",
    ]
    steps.insert(
        0,
        S(
            "Computing the power directly would produce an enormous number, so we work with remainders throughout.",
            "The exponent is large, which suggests reducing it with Fermat's little theorem before doing any arithmetic.",
            "Rather than evaluating the huge power, we use the fact that powers modulo a prime repeat periodically.",
        ),
    )
    steps.append(
        S(
            f"Therefore the remainder of the division is ${res}$.",
            f"So the answer is ${res}$.",
            f"Hence the power leaves remainder ${res}$ when divided by the prime.",
        )
    )
    return _prob(q, steps, res)


def ex_polygon(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    n = rng.choice([5, 6, 8, 9, 10, 12, 15, 18, 20, 24, 30, 36])
    theta = Fraction(180 * (n - 2), n)
    diag = n * (n - 3) // 2
    q = S(
        f"Each interior angle of a regular polygon measures ${num(theta)}^\\circ$. How many diagonals does the polygon have?",
        f"A regular polygon has interior angles of ${num(theta)}$ degrees. Find the number of its diagonals.",
    )
    steps = [
        f"Each exterior angle measures $180^\\circ - {num(theta)}^\\circ = {num(180 - theta)}^\\circ$.",
        S(
            f"The exterior angles add up to $360^\\circ$, so the polygon has $\\frac{{360}}{{{num(180 - theta)}}} = {n}$ sides.",
            f"Because exterior angles sum to $360^\\circ$, the number of sides is $360 / {num(180 - theta)} = {n}$.",
        ),
        S(
            f"A polygon with $n$ sides has $\\frac{{n(n - 3)}}{{2}}$ diagonals, here $\\frac{{{n} \\cdot {n - 3}}}{{2}} = {diag}$.",
            f"Each vertex joins $n - 3 = {n - 3}$ non-adjacent vertices and each diagonal is counted twice, giving $\\frac{{{n} \\cdot {n - 3}}}{{2}} = {diag}$.",
        ),
    ]
    steps.insert(
        0,
        S(
            "It is easiest to find the number of sides first, using the exterior angles of the polygon.",
            "We first determine how many sides the polygon has and then count its diagonals.",
            "Two standard facts are needed: the sum of the exterior angles and the formula for the number of diagonals.",
        ),
    )
    steps.append(
        S(
            f"So the polygon has ${diag}$ diagonals.",
            f"Therefore the answer is ${diag}$.",
            f"Hence the number of diagonals equals ${diag}$.",
        )
    )
    return _prob(q, steps, diag)


def ex_river_fence(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    m = rng.randint(5, 60)
    L = 4 * m
    edge = rng.choice(["straight river", "long stone wall", "barn wall", "canal", "highway sound barrier"])
    who = rng.choice(["A farmer", "A gardener", "A zoo", "A rancher", "A school"])
    q = S(
        f"{who} has ${L}$ meters of fencing to enclose a rectangular area along {with_article(edge)}; no fence is needed along the {edge}. What is the largest area that can be enclosed?",
        f"Using ${L}$ m of fence, a rectangular pen is built against {with_article(edge)}, so only three sides need fencing. Find the maximum possible area in square meters.",
        f"Three sides of a rectangular plot are fenced with ${L}$ meters of wire, the fourth side being {with_article(edge)}. Determine the greatest possible area of the plot.",
    )
    steps = [
        S(
            f"Let $x$ be the length of each side perpendicular to the boundary and $y$ the side parallel to it, so $2x + y = {L}$.",
            f"Call the two equal sides $x$ and the side opposite the {edge} $y$; the fence gives $y = {L} - 2x$.",
            f"With width $x$ and length $y$ the constraint is $2x + y = {L}$.",
        ),
        S(
            f"The area is $A(x) = x({L} - 2x) = {L}x - 2x^2$.",
            f"Hence the area as a function of $x$ is $A(x) = {L}x - 2x^2$ for $0 < x < {L // 2}$.",
        ),
        S(
            f"Setting $A'(x) = {L} - 4x = 0$ gives $x = {m}$ and $y = {2 * m}$; since $A''(x) = -4 < 0$ this is a maximum.",
            f"This parabola opens downward with vertex at $x = \\frac{{{L}}}{{4}} = {m}$, which gives $y = {2 * m}$.",
            f"Completing the square, $A(x) = {2 * m * m} - 2(x - {m})^2$, so the maximum occurs at $x = {m}$, $y = {2 * m}$.",
        ),
        S(
            f"The maximal area is ${m} \\cdot {2 * m} = {2 * m * m}$ square meters.",
            f"So the largest possible area equals ${2 * m * m}$.",
        ),
    ]
    return _prob(q, steps, 2 * m * m)


def ex_singular(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    c = rng.choice([1, 2, 3, 4, 5, 6])
    a, b = rng.randint(1, 9) * c, rng.randint(-9, 9) or 1
    k = a * b // c
    q = S(
        f"For which value of $k$ is the matrix $\\begin{{pmatrix}} k & {a} \\\\ {b} & {c} \\end{{pmatrix}}$ not invertible?",
        f"Find $k$ such that $\\det \\begin{{pmatrix}} k & {a} \\\\ {b} & {c} \\end{{pmatrix}} = 0$.",
    )
    steps = [
        S(
            "A square matrix is singular exactly when its determinant is zero.",
            "The matrix fails to be invertible precisely when its determinant vanishes.",
        ),
        f"The determinant is $k \\cdot {c} - {a} \\cdot {paren(b)} = {c}k {signed(-a * b)}$.",
        f"Setting it equal to zero gives ${c}k = {a * b}$, so $k = {k}$.",
    ]
    steps.insert(
        0,
        S(
            "Recall that a square matrix has an inverse if and only if its determinant is different from zero.",
            "Invertibility of a square matrix is decided by a single number, its determinant.",
            "We use the criterion that a matrix can be inverted exactly when its determinant is not zero.",
        ),
    )
    steps.append(
        S(
            "For this value of the parameter the two rows of the matrix are proportional, which confirms that the matrix has no inverse.",
            f"So the matrix fails to be invertible precisely for the value ${k}$ of the parameter, and for every other value an inverse exists.",
            f"Therefore the only value of the parameter that makes the matrix singular is ${k}$.",
        )
    )
    return _prob(q, steps, k)


def ex_expected_game(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    big, small, cost = rng.randint(6, 30), rng.randint(1, 6), rng.randint(2, 9)
    top, mid = rng.choice(
        [
            ("a six", "a two or a four"),
            ("a one", "a five or a six"),
            ("a three", "a one or a two"),
            ("a four", "a three or a five"),
        ]
    )
    device = rng.choice(["a fair die", "a fair six-sided die", "a spinner with six equal sectors numbered 1 to 6"])
    ev = Fraction(big + 2 * small, 6) - cost
    q = S(
        f"A game costs ${cost}$ dollars to play. Using {device}, {top} pays ${big}$ dollars, {mid} pays ${small}$ dollars, and anything else pays nothing. What is the expected net gain of one game?",
        f"For a fee of ${cost}$ dollars you spin or roll {device}. You receive ${big}$ dollars for {top} and ${small}$ dollars for {mid}, otherwise nothing. Find the expected net gain per game.",
        f"A fair booth charges ${cost}$ tokens per turn. Each turn uses {device}: {top} wins ${big}$ tokens and {mid} wins ${small}$ tokens. Compute the expected net gain of a player per turn.",
    )
    steps = [
        S(
            f"The probability of {top} is $\\frac{{1}}{{6}}$ and the probability of {mid} is $\\frac{{2}}{{6}}$.",
            "Out of six equally likely outcomes, one gives the large prize and two give the small prize.",
        ),
        S(
            f"The expected payout is $\\frac{{{big}}}{{6}} + \\frac{{2 \\cdot {small}}}{{6}} = {num(Fraction(big + 2 * small, 6))}$.",
            f"So the payout has mean $\\frac{{{big} + {2 * small}}}{{6}} = {num(Fraction(big + 2 * small, 6))}$.",
        ),
        S(
            f"Subtracting the fee gives ${num(Fraction(big + 2 * small, 6))} - {cost} = {num(ev)}$.",
            f"The net gain is the payout minus the cost: ${num(ev)}$.",
        ),
        S(
            "A negative value means the game favours the house."
            if ev < 0
            else "A nonnegative value means the game does not favour the house.",
            "This is the average gain per game over many plays.",
            "By the law of large numbers this is the long-run average per game.",
        ),
    ]
    return _prob(q, steps, ev)


EXAM_GENERATORS = [
    ex_linear,
    ex_vieta,
    ex_tickets,
    ex_arith_seq,
    ex_triangle_area,
    ex_inscribed_square,
    ex_committee,
    ex_arrangements,
    ex_two_reds,
    ex_derivative_at,
    ex_integral,
    ex_limit,
    ex_gcd_lcm,
    ex_power_mod,
    ex_polygon,
    ex_river_fence,
    ex_singular,
    ex_expected_game,
]


AREA_EXAMS = {
    "algebra": [ex_linear, ex_vieta, ex_tickets, ex_arith_seq],
    "calculus": [ex_derivative_at, ex_integral, ex_limit, ex_river_fence],
    "number theory": [ex_gcd_lcm, ex_power_mod, ex_linear],
    "probability": [ex_two_reds, ex_committee, ex_arrangements, ex_expected_game],
    "geometry": [ex_triangle_area, ex_inscribed_square, ex_polygon],
    "linear algebra": [ex_singular, ex_linear],
}
