"""Calculus topics: derivatives, integrals, limits and optimization."""

from __future__ import annotations

import random
from fractions import Fraction

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import deriv, eval_poly, num, paren, pick, plain_frac, poly, signed


def topic_derivatives(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    co = [rng.choice([1, 2, -1, 3]), rng.randint(-6, 6), rng.randint(-9, 9), rng.randint(-9, 9)]
    f, fp = poly(co), poly(deriv(co))
    x0 = rng.randint(-3, 4)
    y0, m = eval_poly(co, x0), eval_poly(deriv(co), x0)
    k = y0 - m * x0
    tangent = poly([m, k]) if m else str(k)
    n = rng.randint(2, 7)
    a, bb, pw = rng.randint(2, 7), rng.randint(1, 9), rng.randint(3, 9)
    title = S(
        "Derivatives: Rules and Examples",
        "The Power, Product and Chain Rules",
        "Differentiation from First Principles to Tangent Lines",
        "How to Compute Derivatives",
        "Tangent Lines and the Derivative",
    )
    s1 = Builder()
    s1.p(
        S(
            "The derivative measures how fast a function changes at a point.",
            "Differentiation captures the instantaneous rate of change of a quantity.",
            "The derivative of a function at a point is the slope of its graph there.",
        ),
        S(
            "It is defined as a limit of difference quotients:",
            "Formally it is the limit of the slopes of secant lines:",
        ),
    )
    s1.d(r"f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}")
    s1.p(
        S(
            r"Applying the definition to $x^n$ and expanding $(x + h)^n$ with the binomial theorem gives the power rule $\frac{d}{dx} x^n = n x^{n-1}$.",
            r"From the definition one proves the power rule $\frac{d}{dx} x^n = n x^{n-1}$; the binomial expansion of $(x + h)^n$ does all the work.",
        ),
        S(
            "Together with linearity, this rule differentiates every polynomial.",
            "Because the derivative of a sum is the sum of the derivatives, polynomials are now easy.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(f"Let $f(x) = {f}$.", f"Take the cubic $f(x) = {f}$.", f"Consider $f(x) = {f}$."),
        f"Term by term we find $f'(x) = {fp}$.",
        S(
            f"At $x = {x0}$ the function has value $f({x0}) = {y0}$ and slope $f'({x0}) = {m}$.",
            f"Evaluating at the point $x = {x0}$ gives $f({x0}) = {y0}$ and $f'({x0}) = {m}$.",
        ),
        S(
            f"The tangent line there is $y = {y0} + {paren(m)}(x - {paren(x0)})$, which simplifies to $y = {tangent}$.",
            f"So the tangent line at that point is $y = {tangent}$.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            r"Products and compositions need two more rules: $(fg)' = f'g + fg'$ and $(f \circ g)'(x) = f'(g(x)) g'(x)$.",
            r"Two further rules complete the toolkit, the product rule $(fg)' = f'g + fg'$ and the chain rule $(f \circ g)' = (f' \circ g) \cdot g'$.",
        ),
        f"For example $\\frac{{d}}{{dx}} x^{n} e^x = {n}x^{n - 1} e^x + x^{n} e^x = x^{n - 1} e^x (x + {n})$.",
        f"The chain rule gives $\\frac{{d}}{{dx}} ({a}x + {bb})^{pw} = {pw} \\cdot {a} ({a}x + {bb})^{pw - 1} = {pw * a}({a}x + {bb})^{pw - 1}$.",
        S("With practice these rules become automatic.", "Most derivatives met in practice combine these three rules."),
    )
    heads = [
        S("Definition of the derivative", "Rates of change", "From secants to tangents"),
        S("Differentiating a polynomial", "A tangent line", "Worked example"),
        S("Product and chain rules", "More rules", "Products and compositions"),
    ]
    ex = [
        f"Differentiate ${poly([rng.randint(1, 5), 0, rng.randint(-7, 7), rng.randint(1, 9)])}$.",
        f"Find the tangent line to $y = x^2$ at $x = {rng.randint(1, 6)}$.",
        f"Compute $\\frac{{d}}{{dx}} ({rng.randint(2, 5)}x - 1)^{rng.randint(3, 8)}$.",
    ]
    summary = [
        S("The derivative is a limit of difference quotients.", "Derivatives are slopes of tangent lines."),
        S(r"Power rule: $\frac{d}{dx} x^n = n x^{n-1}$.", "Polynomials are differentiated term by term."),
        S(
            "Use the product and chain rules for products and compositions.",
            "The chain rule multiplies derivatives of the outer and inner functions.",
        ),
    ]
    code = (
        f"import sympy as sp\n\nx = sp.symbols('x')\nf = {co[0]}*x**3 + ({co[1]})*x**2 + ({co[2]})*x + ({co[3]})\n"
        f"m = sp.diff(f, x).subs(x, {x0})\nprint(m, f.subs(x, {x0}))  # {m} {y0}\n"
    )
    return make_topic(
        "calculus", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_integrals(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    co = [rng.choice([3, 6, -3, 9]), rng.choice([2, 4, -2, 6, 0]), rng.randint(-5, 7)]
    anti = [Fraction(co[0], 3), Fraction(co[1], 2), co[2]]
    lo, hi = rng.randint(-2, 1), rng.randint(2, 5)
    F = lambda t: anti[0] * t**3 + anti[1] * t**2 + anti[2] * t  # noqa: E731
    val = F(hi) - F(lo)
    Ftex = poly([int(anti[0]), int(anti[1]), co[2], 0])
    k = rng.randint(2, 5)
    title = S(
        "Definite Integrals and the Fundamental Theorem of Calculus",
        "Computing Areas with Integrals",
        "Antiderivatives and Definite Integrals",
        "Integration Techniques: A First Look",
        "The Fundamental Theorem of Calculus in Practice",
    )
    s1 = Builder()
    s1.p(
        S(
            "The definite integral adds up infinitely many infinitely thin slices.",
            "Integration is the mathematics of accumulation: areas, volumes, distances travelled.",
            "Riemann sums approximate the area under a curve by rectangles, and the integral is their limit.",
        ),
        S(
            "The fundamental theorem of calculus connects this idea with antiderivatives.",
            "Computing such limits directly is painful, but the fundamental theorem offers a shortcut.",
        ),
    )
    s1.thm(
        "Theorem",
        "Fundamental theorem of calculus",
        r"If $f$ is continuous on $[a, b]$ and $F' = f$, then $\int_a^b f(x)\,dx = F(b) - F(a)$.",
        S(
            r"The function $G(x) = \int_a^x f(t)\,dt$ satisfies $G' = f$ by continuity of $f$, so $G - F$ is constant; evaluating at $a$ and $b$ gives the formula.",
            r"Let $G(x) = \int_a^x f(t)\,dt$. The mean value theorem for integrals shows $G'(x) = f(x)$, hence $G = F + C$ and the claim follows from $G(a) = 0$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(
            f"Let us compute the integral of ${poly(co)}$ from ${lo}$ to ${hi}$.",
            f"Evaluate $\\int_{{{lo}}}^{{{hi}}} ({poly(co)})\\,dx$.",
            f"Our example is the integral of $f(x) = {poly(co)}$ over $[{lo}, {hi}]$.",
        ),
        f"An antiderivative is $F(x) = {Ftex}$.",
        S(
            f"Therefore the integral equals $F({hi}) - F({lo}) = {num(F(hi))} - {paren(F(lo))} = {num(val)}$.",
            f"Substituting the limits gives ${num(F(hi))} - {paren(F(lo))} = {num(val)}$.",
        ),
        S(
            "A negative result would mean that more of the area lies below the axis than above it.",
            "Remember that regions under the horizontal axis count negatively.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            "Products of functions are handled by integration by parts, the integral form of the product rule:",
            "For products such as a polynomial times an exponential we integrate by parts:",
        )
    )
    s3.d(r"\int u\,dv = uv - \int v\,du")
    s3.p(
        f"With $u = x$ and $dv = e^{{{k}x}}\\,dx$ we get $\\int x e^{{{k}x}}\\,dx = \\frac{{x e^{{{k}x}}}}{{{k}}} - \\frac{{e^{{{k}x}}}}{{{k * k}}} + C$.",
        S(
            "Differentiating the right-hand side is a quick check.",
            "It is always worth differentiating the answer to confirm it.",
        ),
    )
    heads = [
        S("The fundamental theorem", "From areas to antiderivatives", "Integrals as accumulation"),
        S("A definite integral", "Worked example", "Evaluating an integral"),
        S("Integration by parts", "Beyond polynomials", "A useful technique"),
    ]
    ex = [
        f"Compute $\\int_0^{{{rng.randint(1, 4)}}} {rng.choice([3, 6])}x^2\\,dx$.",
        f"Find $\\int x e^{{{rng.randint(2, 6)}x}}\\,dx$.",
        f"Find the area between $y = x^2$ and $y = {rng.randint(1, 5)}x$.",
    ]
    summary = [
        S("Definite integrals are limits of Riemann sums.", "An integral accumulates a quantity over an interval."),
        S(
            "The fundamental theorem reduces integration to finding antiderivatives.",
            r"$\int_a^b f = F(b) - F(a)$ whenever $F' = f$.",
        ),
        S("Integration by parts reverses the product rule.", "Choose $u$ so that its derivative is simpler."),
    ]
    code = (
        f"import sympy as sp\n\nx = sp.symbols('x')\nprint(sp.integrate({co[0]}*x**2 + ({co[1]})*x + ({co[2]}), (x, {lo}, {hi})))  # {plain_frac(Fraction(val))}\n"
        f"print(sp.integrate(x * sp.exp({k}*x), x))\n"
    )
    return make_topic(
        "calculus", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_limits(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    a = rng.randint(2, 9)
    k = rng.randint(2, 9)
    p, r = rng.randint(1, 9), rng.randint(1, 9)
    q, s = rng.randint(-9, 9), rng.randint(1, 9)
    lim = Fraction(p, r)
    eps = rng.choice([Fraction(1, 10), Fraction(1, 100), Fraction(1, 50)])
    title = S(
        "Limits: Definitions and Techniques",
        "Evaluating Limits",
        "Limits of Functions with Examples",
        "Indeterminate Forms and How to Resolve Them",
        "Understanding Limits",
    )
    s1 = Builder()
    s1.p(
        S(
            "A limit describes the value a function approaches, not necessarily the value it takes.",
            "Limits make precise the idea of getting arbitrarily close.",
            "Calculus rests on the notion of a limit.",
        ),
        S(
            r"We write $\lim_{x \to a} f(x) = L$ if $f(x)$ can be made as close to $L$ as we like by taking $x$ close enough to $a$, with $x \neq a$.",
            r"Formally, $\lim_{x \to a} f(x) = L$ means that for every $\varepsilon > 0$ there is $\delta > 0$ with $|f(x) - L| < \varepsilon$ whenever $0 < |x - a| < \delta$.",
        ),
        S(
            f"For the linear function $3x + 1$ and the limit at $2$, the choice $\\delta = \\frac{{\\varepsilon}}{{3}}$ works; with $\\varepsilon = {num(eps)}$ it gives $\\delta = {num(eps / 3)}$.",
            f"For example, to keep $3x + 1$ within ${num(eps)}$ of $7$ it suffices that $|x - 2| < {num(eps / 3)}$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(
            "Substituting the point often produces the meaningless expression $\\frac{0}{0}$.",
            "Many interesting limits are indeterminate forms of the type $\\frac{0}{0}$.",
        ),
        S("Factoring and cancelling usually resolves it.", "Algebraic simplification is the first thing to try."),
    )
    s2.d(f"\\lim_{{x \\to {a}}} \\frac{{x^2 - {a * a}}}{{x - {a}}} = \\lim_{{x \\to {a}}} (x + {a}) = {2 * a}")
    s2.p(
        S(
            f"A famous trigonometric limit is $\\lim_{{x \\to 0}} \\frac{{\\sin x}}{{x}} = 1$, from which $\\lim_{{x \\to 0}} \\frac{{\\sin {k}x}}{{x}} = {k}$ follows by substituting $u = {k}x$.",
            f"The squeeze theorem gives $\\lim_{{x \\to 0}} \\frac{{\\sin x}}{{x}} = 1$; rescaling the variable then shows $\\lim_{{x \\to 0}} \\frac{{\\sin {k}x}}{{x}} = {k}$.",
        ),
        S(
            "L'Hopital's rule offers another route: differentiate numerator and denominator separately.",
            "Alternatively one may apply L'Hopital's rule and differentiate the numerator and the denominator.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            "Limits at infinity describe long-term behaviour.",
            "As $x \\to \\infty$ only the leading terms of a rational function matter.",
        ),
        f"Dividing numerator and denominator by $x^2$ shows $\\lim_{{x \\to \\infty}} \\frac{{{p}x^2 {signed(q)}}}{{{r}x^2 + {s}x}} = {num(lim)}$.",
        S(
            r"Another classical limit defines Euler's number: $\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e \approx 2.71828$.",
            r"The number $e$ itself arises as the limit of $\left(1 + \frac{1}{n}\right)^n$, roughly $2.71828$.",
        ),
    )
    heads = [
        S("The definition", "What a limit means", "Epsilon and delta"),
        S("Indeterminate forms", "Cancelling common factors", "Techniques"),
        S("Limits at infinity", "Long-term behaviour", "Asymptotics"),
    ]
    tt = rng.randint(2, 12)
    ex = [
        f"Compute $\\lim_{{x \\to {tt}}} \\frac{{x^2 - {tt * tt}}}{{x - {tt}}}$.",
        f"Find $\\lim_{{x \\to 0}} \\frac{{\\sin {rng.randint(2, 9)}x}}{{{rng.randint(2, 5)}x}}$.",
        f"Evaluate $\\lim_{{x \\to \\infty}} \\frac{{{rng.randint(2, 9)}x + 1}}{{{rng.randint(2, 9)}x - 4}}$.",
    ]
    summary = [
        S(
            "A limit is about nearby values, not the value at the point.",
            "The epsilon-delta definition makes closeness precise.",
        ),
        S(
            "Cancel common factors to resolve a zero over zero form.",
            r"Indeterminate forms such as $\frac{0}{0}$ need algebra or L'Hopital's rule.",
        ),
        S(
            "At infinity compare leading terms.",
            "Rational functions tend to the ratio of leading coefficients when degrees agree.",
        ),
    ]
    code = f"import sympy as sp\n\nx = sp.symbols('x')\nprint(sp.limit((x**2 - {a * a}) / (x - {a}), x, {a}))  # {2 * a}\nprint(sp.limit(sp.sin({k}*x) / x, x, 0))  # {k}\n"
    return make_topic(
        "calculus", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_optimization(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    P = 4 * rng.randint(5, 60)
    side = P // 4
    mm = rng.randint(1, 8)
    L = 6 * mm
    Vmax = 16 * mm**3
    c3, c2 = rng.randint(1, 3), rng.randint(3, 9)
    f = poly([2 * c3, -3 * c3 * c2, 0, rng.randint(-5, 5)])
    title = S(
        "Optimization with Derivatives",
        "Maximum and Minimum Problems",
        "Applied Optimization in Calculus",
        "Finding Extreme Values",
        "Critical Points and Optimization",
    )
    s1 = Builder()
    s1.p(
        S(
            "Optimization problems ask for the largest or smallest value of a quantity under constraints.",
            "Finding the best possible design, the cheapest route or the largest area are all optimization problems.",
            "Extreme values of differentiable functions can be located with derivatives.",
        ),
        S(
            r"At an interior maximum or minimum of a differentiable function the derivative vanishes, so we look for critical points where $f'(x) = 0$.",
            r"Fermat's theorem on stationary points says that an interior extremum of a differentiable function satisfies $f'(x) = 0$.",
        ),
        S(
            r"The second derivative then classifies them: $f''(x) < 0$ indicates a maximum and $f''(x) > 0$ a minimum.",
            r"A negative second derivative marks a local maximum, a positive one a local minimum.",
        ),
    )
    s1.p(
        f"For $f(x) = {f}$ we get $f'(x) = {6 * c3}x^2 - {6 * c3 * c2}x = {6 * c3}x(x - {c2})$, so the critical points are $x = 0$ and $x = {c2}$.",
        S(
            f"Since $f''(x) = {12 * c3}x - {6 * c3 * c2}$, the point $x = 0$ is a local maximum and $x = {c2}$ a local minimum.",
            f"The second derivative $f''(x) = {12 * c3}x - {6 * c3 * c2}$ is negative at $0$ and positive at ${c2}$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(
            f"A farmer has ${P}$ meters of fence and wants to enclose the largest possible rectangle.",
            f"Suppose ${P}$ meters of fencing must enclose a rectangular field of maximal area.",
        ),
        f"If the sides are $x$ and $y$ then $2x + 2y = {P}$, so the area is $A(x) = x({P // 2} - x)$.",
        f"Setting $A'(x) = {P // 2} - 2x = 0$ gives $x = {side}$, hence $y = {side}$ and the best field is a square of area ${side * side}$ square meters.",
        S(
            "The square is optimal for every perimeter, which is a small instance of the isoperimetric principle.",
            "This agrees with the intuition that, among rectangles of fixed perimeter, the square is the most efficient.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            f"An open box is made from a square sheet of side ${L}$ by cutting equal squares of side $x$ from the corners.",
            f"Cut a square of side $x$ from each corner of a ${L} \\times {L}$ sheet and fold up the sides.",
        ),
        f"Its volume is $V(x) = x({L} - 2x)^2$ for $0 < x < {L // 2}$.",
        f"Then $V'(x) = ({L} - 2x)({L} - 6x)$, which vanishes inside the interval only at $x = {mm}$.",
        f"The maximal volume is $V({mm}) = {mm} \\cdot {4 * mm}^2 = {Vmax}$.",
    )
    heads = [
        S("Critical points", "The first and second derivative tests", "Where extremes occur"),
        S("The fence problem", "A classic example", "Maximizing an area"),
        S("The open box", "A volume problem", "Another example"),
    ]
    ex = [
        f"Find two positive numbers with sum ${2 * rng.randint(10, 50)}$ and maximal product.",
        f"Find the minimum of $x^2 - {2 * rng.randint(2, 9)}x + {rng.randint(1, 20)}$.",
        f"A box with square base has volume ${rng.choice([32, 108, 256, 500])}$. Minimize its surface area without a lid.",
    ]
    summary = [
        S(
            "Extremes of smooth functions occur at critical points or endpoints.",
            "Check critical points and endpoints.",
        ),
        S(
            "Write the quantity as a function of one variable using the constraint.",
            "Use the constraint to eliminate a variable.",
        ),
        S("Confirm the nature of each critical point.", "The second derivative test distinguishes maxima from minima."),
    ]
    code = f"import sympy as sp\n\nx = sp.symbols('x', positive=True)\nV = x * ({L} - 2*x)**2\nprint(sp.solve(sp.diff(V, x), x), V.subs(x, {mm}))  # {Vmax}\n"
    return make_topic(
        "calculus", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )
