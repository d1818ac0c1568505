"""Algebra topics: quadratic equations, linear systems, sequences and series, logarithms."""

from __future__ import annotations

import math
import random

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import lin_factor, paren, pick, poly


def topic_quadratic(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a = S(1, 1, 2, 3)
    r1, r2 = rng.sample([k for k in range(-9, 10) if k], 2)
    b, c = -a * (r1 + r2), a * r1 * r2
    P = poly([a, b, c])
    disc = b * b - 4 * a * c
    root = abs(a * (r1 - r2))
    lo, hi = min(r1, r2), max(r1, r2)
    fac = ("" if a == 1 else str(a)) + lin_factor(r1) + lin_factor(r2)
    p, q = rng.randint(-5, 5), rng.randint(1, 6)
    Q = poly([1, -2 * p, p * p + q * q])
    title = S(
        "Solving Quadratic Equations",
        "Quadratic Equations and the Quadratic Formula",
        "How to Solve a Quadratic Equation",
        "Roots of Quadratic Polynomials",
        "Factoring Quadratics Step by Step",
        "The Discriminant and the Roots of a Quadratic",
    )
    s1 = Builder()
    s1.p(
        S(
            r"A quadratic equation is an equation that can be written as $ax^2 + bx + c = 0$ with real coefficients and $a \neq 0$.",
            r"We call an equation quadratic when, after moving every term to one side, it takes the form $ax^2 + bx + c = 0$ where $a \neq 0$.",
            r"Quadratic equations are the polynomial equations of degree two, equations of the shape $ax^2 + bx + c = 0$ with a nonzero leading coefficient $a$.",
        ),
        S(
            "Such an equation has at most two real solutions, and a single number tells us how many there are.",
            "Counted with multiplicity and allowing complex numbers, every quadratic has exactly two roots.",
            "The graph of $y = ax^2 + bx + c$ is a parabola, so the real roots are the points where the parabola meets the horizontal axis.",
        ),
        S(
            "Completing the square turns the general equation into a formula for the roots.",
            "Dividing by $a$ and completing the square gives a closed formula that always works.",
            "There is a universal recipe, found by completing the square, that expresses the roots through the coefficients.",
        ),
    )
    s1.d(r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}")
    s1.p(
        S(
            r"The expression under the root, $\Delta = b^2 - 4ac$, is the discriminant.",
            r"The quantity $\Delta = b^2 - 4ac$ is known as the discriminant of the equation.",
        ),
        S(
            r"If $\Delta > 0$ there are two distinct real roots, if $\Delta = 0$ there is one double root, and if $\Delta < 0$ the roots form a pair of complex conjugates.",
            r"Two different real roots appear exactly when $\Delta > 0$; a repeated root appears when $\Delta = 0$; and a negative discriminant produces two complex conjugate roots.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(f"Let us solve ${P} = 0$.", f"Consider the equation ${P} = 0$.", f"As a worked example take ${P} = 0$."),
        f"Here $a = {a}$, $b = {b}$ and $c = {c}$, so the discriminant equals $\\Delta = {paren(b)}^2 - 4 \\cdot {a} \\cdot {paren(c)} = {disc}$.",
        S(
            f"Since ${disc} > 0$ and $\\sqrt{{{disc}}} = {root}$, we expect two rational roots.",
            f"The discriminant is the perfect square ${root}^2$, which means the roots are rational numbers.",
        ),
        f"The formula gives $x = \\frac{{{-b} \\pm {root}}}{{{2 * a}}}$, that is $x = {lo}$ or $x = {hi}$.",
        S(
            f"Indeed the polynomial factors as ${P} = {fac}$.",
            f"We can confirm this by factoring: ${P} = {fac}$.",
            f"Expanding ${fac}$ brings back the original polynomial, which double-checks the answer.",
        ),
    )
    s2.p(
        S(
            f"A second example shows the complex case: for ${Q} = 0$ the discriminant is ${4 * p * p - 4 * (p * p + q * q)}$, which is negative.",
            f"Not every quadratic has real roots. The equation ${Q} = 0$ has discriminant $-{4 * q * q}$.",
        ),
        S(
            f"The roots are $x = {p} \\pm {q}i$, a conjugate pair.",
            f"Its two roots are the complex numbers ${p} + {q}i$ and ${p} - {q}i$.",
        ),
    )
    s3 = Builder()
    s3.thm(
        "Theorem",
        "Vieta's formulas",
        r"If $x_1$ and $x_2$ are the roots of $ax^2 + bx + c = 0$, then $x_1 + x_2 = -\frac{b}{a}$ and $x_1 x_2 = \frac{c}{a}$.",
        S(
            r"Write $ax^2 + bx + c = a(x - x_1)(x - x_2)$ and expand the right-hand side to $ax^2 - a(x_1 + x_2)x + a x_1 x_2$. Comparing coefficients gives both identities.",
            r"Both sides of $ax^2 + bx + c = a(x - x_1)(x - x_2)$ are polynomials of degree two; matching the coefficient of $x$ and the constant term yields the claim.",
        ),
    )
    s3.p(
        S(
            f"For our first example the roots add up to ${r1 + r2}$ and multiply to ${r1 * r2}$, in agreement with $-\\frac{{b}}{{a}}$ and $\\frac{{c}}{{a}}$.",
            f"Check it on the example: ${r1} + {paren(r2)} = {r1 + r2}$ and ${r1} \\cdot {paren(r2)} = {r1 * r2}$, exactly as the formulas predict.",
        )
    )
    heads = [
        S("What is a quadratic equation?", "The quadratic formula", "Definitions"),
        S("Worked examples", "Examples", "Solving an equation step by step"),
        S("Vieta's formulas", "Sums and products of roots", "Relations between roots and coefficients"),
    ]
    e1 = rng.sample([k for k in range(-8, 9) if k], 2)
    ex = [
        f"Solve ${poly([1, -(e1[0] + e1[1]), e1[0] * e1[1]])} = 0$ by factoring.",
        f"Find the discriminant of ${poly([rng.randint(1, 4), rng.randint(-9, 9), rng.randint(-9, 9)])}$ and decide how many real roots it has.",
        f"Find a quadratic with roots ${rng.randint(2, 9)}$ and $-{rng.randint(1, 9)}$.",
    ]
    summary = [
        S(
            r"The roots of $ax^2 + bx + c = 0$ are given by the quadratic formula.",
            "Every quadratic equation can be solved with the quadratic formula.",
        ),
        S(
            r"The sign of $\Delta = b^2 - 4ac$ decides the type of the roots.",
            "The discriminant tells real roots from complex ones.",
        ),
        S(
            "Factoring is the fastest method when the roots are integers.",
            "When the discriminant is a perfect square the polynomial factors over the rationals.",
        ),
    ]
    code = (
        f"import math\n\na, b, c = {a}, {b}, {c}\ndisc = b * b - 4 * a * c\n"
        f"roots = sorted(((-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)))\n"
        f"print(disc, roots)  # {disc} [{float(lo)}, {float(hi)}]\n"
    )
    return make_topic(
        "algebra", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def _lin2(a: int, b: int, u: str = "x", v: str = "y") -> str:
    first = ("" if a == 1 else "-" if a == -1 else str(a)) + u
    second = ("" if abs(b) == 1 else str(abs(b))) + v
    return f"{first} {'+' if b > 0 else '-'} {second}"


def topic_linear_system(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        x0, y0 = rng.randint(-6, 9), rng.randint(-6, 9)
        a1, b1, a2, b2 = (rng.choice([1, 2, 3, 4, 5, -1, -2, -3]) for _ in range(4))
        det = a1 * b2 - a2 * b1
        if det != 0 and (a1, b1) != (a2, b2):
            break
    c1, c2 = a1 * x0 + b1 * y0, a2 * x0 + b2 * y0
    e1, e2 = f"{_lin2(a1, b1)} = {c1}", f"{_lin2(a2, b2)} = {c2}"
    title = S(
        "Systems of Linear Equations",
        "Solving Two Linear Equations in Two Unknowns",
        "Elimination and Substitution for Linear Systems",
        "Cramer's Rule for 2 by 2 Systems",
        "Linear Systems: Methods and Examples",
    )
    s1 = Builder()
    s1.p(
        S(
            "A system of linear equations asks for values of several unknowns that satisfy several linear equations at the same time.",
            "Many word problems lead to two unknown quantities tied together by two linear conditions.",
            "Linear systems are collections of first-degree equations that must all hold simultaneously.",
        ),
        S(
            "Geometrically, each equation in two unknowns describes a line in the plane, and a solution is a point lying on both lines.",
            "In the plane every such equation is a straight line, so solving the system means intersecting lines.",
            "Picture each equation as a line: two lines either cross once, run parallel, or coincide.",
        ),
        S(
            "Accordingly a system of two equations has exactly one solution, no solution, or infinitely many.",
            "This picture explains the three possible outcomes: a unique solution, none at all, or a whole line of solutions.",
        ),
    )
    s2 = Builder()
    s2.p(S("Consider the system", "Take the following system as an example:", "We solve the system"))
    s2.d(f"\\begin{{cases}} {e1} \\\\ {e2} \\end{{cases}}")
    s2.p(
        S(
            f"Multiply the first equation by ${a2}$ and the second by ${a1}$ so that the coefficients of $x$ agree.",
            f"To eliminate $x$, scale the first equation by ${a2}$ and the second one by ${a1}$.",
        ),
        f"Subtracting gives $({a2 * b1 - a1 * b2})y = {a2 * c1 - a1 * c2}$, hence $y = {y0}$.",
        S(
            f"Substituting back into the first equation yields ${a1}x = {c1} - {paren(b1)} \\cdot {paren(y0)} = {c1 - b1 * y0}$, so $x = {x0}$.",
            f"Putting $y = {y0}$ into ${e1}$ leaves ${a1}x = {c1 - b1 * y0}$ and therefore $x = {x0}$.",
        ),
        S(
            f"The solution is the single point $({x0}, {y0})$.",
            f"So the two lines meet at $({x0}, {y0})$, and one can check both equations directly.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            "For two equations there is also a closed formula.",
            "Determinants give a compact formula for the same answer.",
        ),
        S(
            r"For the system $a_1 x + b_1 y = c_1$, $a_2 x + b_2 y = c_2$ with $D = a_1 b_2 - a_2 b_1 \neq 0$ we have",
            r"When the determinant $D = a_1 b_2 - a_2 b_1$ is nonzero the unique solution is",
        ),
    )
    s3.d(r"x = \frac{c_1 b_2 - b_1 c_2}{D}, \quad y = \frac{a_1 c_2 - c_1 a_2}{D}")
    s3.p(
        f"In our example $D = {a1} \\cdot {paren(b2)} - {paren(a2)} \\cdot {paren(b1)} = {det}$, and the formula returns $x = \\frac{{{c1 * b2 - b1 * c2}}}{{{det}}} = {x0}$ and $y = \\frac{{{a1 * c2 - c1 * a2}}}{{{det}}} = {y0}$.",
        S(
            "When $D = 0$ the lines are parallel or identical, and the formula breaks down.",
            "A zero determinant signals parallel or coincident lines.",
        ),
    )
    heads = [
        S("Linear systems", "Two equations, two unknowns", "The geometric picture"),
        S("Elimination", "The elimination method", "A worked example"),
        S("Cramer's rule", "A formula with determinants", "Determinants and uniqueness"),
    ]
    xs, ys = rng.randint(-5, 8), rng.randint(-5, 8)
    ex = [
        f"Solve $x + y = {xs + ys}$ and $x - y = {xs - ys}$.",
        f"For which value of $k$ does the system $x + {rng.randint(2, 5)}y = 1$, $kx + {rng.randint(6, 12)}y = 3$ fail to have a unique solution?",
        f"Use Cramer's rule on $2x + y = {2 * xs + ys}$, $x + 3y = {xs + 3 * ys}$.",
    ]
    summary = [
        S(
            "Elimination removes one unknown by combining equations.",
            "Adding multiples of equations eliminates a variable.",
        ),
        S(
            "The determinant decides whether the solution is unique.",
            "A nonzero determinant guarantees exactly one solution.",
        ),
        S(
            "Always substitute the answer back to check it.",
            "Checking the solution in both equations catches arithmetic slips.",
        ),
    ]
    code = (
        f"from fractions import Fraction\n\na1, b1, c1 = {a1}, {b1}, {c1}\na2, b2, c2 = {a2}, {b2}, {c2}\n"
        f"D = a1 * b2 - a2 * b1\nx = Fraction(c1 * b2 - b1 * c2, D)\ny = Fraction(a1 * c2 - c1 * a2, D)\n"
        f"print(x, y)  # {x0} {y0}\n"
    )
    return make_topic(
        "algebra", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_sequences(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a1, d, n = rng.randint(-10, 20), rng.choice([2, 3, 4, 5, 6, 7, -2, -3]), rng.randint(8, 40)
    an = a1 + (n - 1) * d
    sn = n * (a1 + an) // 2
    g, r, m = rng.randint(1, 5), rng.choice([2, 3, 4]), rng.randint(4, 9)
    gs = g * (r**m - 1) // (r - 1)
    N = rng.choice([50, 60, 80, 100, 120, 200])
    title = S(
        "Arithmetic and Geometric Sequences",
        "Sums of Arithmetic and Geometric Series",
        "An Introduction to Sequences and Series",
        "Finite Series: Formulas and Examples",
        "Arithmetic Progressions and Their Sums",
    )
    s1 = Builder()
    s1.p(
        S(
            "A sequence is an ordered list of numbers, and a series is what we get when we add its terms.",
            "Sequences are functions on the positive integers; adding up their terms produces series.",
            "Lists of numbers that follow a rule appear everywhere, from savings plans to the spacing of seats in a theater.",
        ),
        S(
            "An arithmetic sequence adds the same difference $d$ at every step, so its $n$-th term is $a_n = a_1 + (n - 1)d$.",
            "In an arithmetic progression consecutive terms differ by a constant $d$, which gives the closed form $a_n = a_1 + (n - 1)d$.",
        ),
        S(
            "Pairing the first term with the last, the second with the second to last, and so on, shows that",
            "A classical pairing trick, often told about the young Gauss, gives the sum",
        ),
    )
    s1.d(r"S_n = \frac{n(a_1 + a_n)}{2}")
    s1.p(
        S(
            f"For instance, adding the integers from $1$ to ${N}$ gives $\\frac{{{N} \\cdot {N + 1}}}{{2}} = {N * (N + 1) // 2}$.",
            f"With $a_1 = 1$ and $a_n = n$ this says $1 + 2 + \\dots + {N} = {N * (N + 1) // 2}$.",
        )
    )
    s2 = Builder()
    s2.p(
        S(f"Take $a_1 = {a1}$ and $d = {d}$.", f"Suppose the first term is ${a1}$ and the common difference is ${d}$."),
        f"The ${n}$-th term is $a_{{{n}}} = {a1} + {n - 1} \\cdot {paren(d)} = {an}$,",
        f"and the sum of the first ${n}$ terms equals $S_{{{n}}} = \\frac{{{n}({a1} + {paren(an)})}}{{2}} = {sn}$.",
        S(
            "Writing out a few terms is a good habit for catching off-by-one errors.",
            "It is worth listing the first three or four terms to make sure the indexing is right.",
        ),
    )
    s2.p(
        S(
            "A geometric sequence multiplies by a fixed ratio $r$ instead.",
            "Geometric sequences grow by a constant factor $r$ rather than a constant amount.",
        ),
        S(
            r"Multiplying the sum by $r$ and subtracting gives $S_n = a_1 \frac{r^n - 1}{r - 1}$ for $r \neq 1$.",
            r"The telescoping trick, comparing $S_n$ with $r S_n$, yields $S_n = a_1 \frac{r^n - 1}{r - 1}$ whenever $r \neq 1$.",
        ),
        f"With $a_1 = {g}$, $r = {r}$ and ${m}$ terms the sum is ${g} \\cdot \\frac{{{r}^{m} - 1}}{{{r - 1}}} = {gs}$.",
    )
    s3 = Builder()
    s3.p(
        S(
            r"When $|r| < 1$ the powers $r^n$ tend to zero and the infinite geometric series converges:",
            r"If $|r| < 1$ we may let $n \to \infty$ and obtain the sum of the infinite series:",
        )
    )
    s3.d(r"\sum_{k=0}^{\infty} a r^k = \frac{a}{1 - r}")
    hh = rng.choice([2, 3, 4, 5])
    s3.p(
        S(
            f"For example $\\sum_{{k=0}}^{{\\infty}} \\left(\\frac{{1}}{{{hh}}}\\right)^k = \\frac{{{hh}}}{{{hh - 1}}}$.",
            f"So the series $1 + \\frac{{1}}{{{hh}}} + \\frac{{1}}{{{hh * hh}}} + \\cdots$ adds up to $\\frac{{{hh}}}{{{hh - 1}}}$.",
        ),
        S(
            "Repeating decimals are geometric series in disguise.",
            "This formula also explains why a repeating decimal always represents a fraction.",
        ),
    )
    heads = [
        S("Arithmetic sequences", "Definitions and the sum formula", "Sequences and series"),
        S("Worked example", "Geometric sequences", "Computing sums"),
        S("Infinite geometric series", "Convergence", "Beyond finite sums"),
    ]
    ex = [
        f"Find the sum $3 + 7 + 11 + \\dots$ of the first ${rng.randint(10, 30)}$ terms.",
        f"A geometric sequence has $a_1 = {rng.randint(2, 6)}$ and $r = {rng.choice([2, 3])}$. Find $a_{{{rng.randint(5, 9)}}}$.",
        f"Write $0.\\overline{{{rng.randint(1, 9)}{rng.randint(0, 9)}}}$ as a fraction.",
    ]
    summary = [
        S(r"Arithmetic: $a_n = a_1 + (n - 1)d$.", "Arithmetic sequences have constant differences."),
        S("Geometric: consecutive terms have a constant ratio.", r"Geometric sums use $\frac{r^n - 1}{r - 1}$."),
        S(
            r"The infinite geometric series converges exactly when $|r| < 1$.",
            "Only ratios smaller than one in absolute value give finite infinite sums.",
        ),
    ]
    code = (
        f"a1, d, n = {a1}, {d}, {n}\nterms = [a1 + k * d for k in range(n)]\n"
        f"assert sum(terms) == n * (terms[0] + terms[-1]) // 2\nprint(terms[-1], sum(terms))  # {an} {sn}\n"
    )
    return make_topic(
        "algebra", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_logarithms(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    b = rng.choice([2, 3, 5])
    k1, k2 = rng.randint(2, 5), rng.randint(1, 4)
    shift = rng.randint(1, 4)
    target = b ** (k1 + shift)
    m = rng.randint(2, 6)
    title = S(
        "Logarithms and Their Laws",
        "Exponential Equations and Logarithms",
        "Working with Logarithms",
        "Exponents, Logarithms and Change of Base",
        "Solving Exponential Equations",
    )
    s1 = Builder()
    s1.p(
        S(
            r"For a base $b > 0$ with $b \neq 1$, the logarithm $\log_b x$ is the exponent to which $b$ must be raised to give $x$.",
            r"The logarithm answers the question: to which power must we raise the base $b$ to obtain $x$?",
            r"Logarithms undo exponentials: $y = \log_b x$ means exactly the same as $b^y = x$.",
        ),
        S(
            f"So $\\log_{b} {b**k1} = {k1}$ because ${b}^{k1} = {b**k1}$.",
            f"For example $\\log_{b} {b**k2} = {k2}$ since raising ${b}$ to the power ${k2}$ gives ${b**k2}$.",
        ),
        S(
            "The laws of exponents translate directly into laws of logarithms.",
            "Every rule for powers has a mirror image for logarithms.",
        ),
    )
    s1.ul(
        [
            r"$\log_b(xy) = \log_b x + \log_b y$",
            r"$\log_b \frac{x}{y} = \log_b x - \log_b y$",
            r"$\log_b x^p = p \log_b x$",
            r"$\log_b x = \frac{\ln x}{\ln b}$ (change of base)",
        ]
    )
    s2 = Builder()
    s2.p(
        S(
            f"Solve ${b}^{{x + {shift}}} = {target}$.",
            f"Consider the exponential equation ${b}^{{x + {shift}}} = {target}$.",
        ),
        f"Writing ${target} = {b}^{{{k1 + shift}}}$ and comparing exponents gives $x + {shift} = {k1 + shift}$, so $x = {k1}$.",
        S(
            "When the right-hand side is not a power of the base we take logarithms of both sides instead.",
            "If the numbers do not line up so nicely, taking a logarithm of both sides still works.",
        ),
    )
    s2.p(
        S(
            f"For instance ${m}^x = {m * 5 + 1}$ gives $x = \\frac{{\\ln {m * 5 + 1}}}{{\\ln {m}}} \\approx {math.log(m * 5 + 1) / math.log(m):.4f}$.",
            f"Thus the solution of ${m}^x = {m * 5 + 1}$ is $x = \\log_{{{m}}} {m * 5 + 1} \\approx {math.log(m * 5 + 1) / math.log(m):.4f}$.",
        ),
        S(
            f"Similarly $\\log_{b} {b**k1} + \\log_{b} {b**k2} = \\log_{b} {b ** (k1 + k2)} = {k1 + k2}$.",
            f"The product law lets us combine terms: $\\log_{b} {b**k1} + \\log_{b} {b**k2} = {k1 + k2}$.",
        ),
    )
    s3 = Builder()
    rate = rng.choice([3, 4, 5, 6, 8])
    years = math.log(2) / math.log(1 + rate / 100)
    s3.p(
        S(
            "Logarithms are the natural tool for growth questions.",
            "A classic application concerns money that grows with compound interest.",
        ),
        f"A deposit growing by ${rate}\\%$ per year doubles when $(1.{rate:02d})^t = 2$, that is after $t = \\frac{{\\ln 2}}{{\\ln 1.{rate:02d}}} \\approx {years:.2f}$ years.",
        S(
            f"The rule of seventy-two estimates the same time as $\\frac{{72}}{{{rate}}} = {72 / rate:.1f}$ years, which is remarkably close.",
            f"Bankers approximate this by $72 / {rate} \\approx {72 / rate:.1f}$ years.",
        ),
    )
    heads = [
        S("Definition", "What is a logarithm?", "Laws of logarithms"),
        S("Exponential equations", "Worked examples", "Taking logarithms"),
        S("Applications", "Doubling time", "Compound growth"),
    ]
    ex = [
        f"Evaluate $\\log_{b} {b ** rng.randint(2, 6)}$.",
        f"Solve ${b}^{{2x}} = {b ** (2 * rng.randint(1, 4))}$.",
        f"Simplify $\\log_{{10}} {rng.choice([2, 4, 5, 8])} + \\log_{{10}} {rng.choice([25, 125, 250])}$.",
    ]
    summary = [
        S("A logarithm is an exponent.", r"$\log_b x = y$ is equivalent to $b^y = x$."),
        S("Products become sums under a logarithm.", "Logarithms turn multiplication into addition."),
        S(
            "Change of base lets a calculator evaluate any logarithm.",
            "Use natural logarithms to solve general exponential equations.",
        ),
    ]
    code = f"import math\n\nprint(math.log({target}, {b}) - {shift})  # {k1}\nprint(math.log(2) / math.log(1 + {rate} / 100))\n"
    return make_topic(
        "algebra", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )
