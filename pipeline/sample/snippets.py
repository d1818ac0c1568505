"""Snippet generators for the code source: Python (sympy) functions and Lean 4 theorems."""

from __future__ import annotations

import math
from fractions import Fraction

from pipeline.sample.text import deriv, eval_poly, plain_frac, poly

_PY_VARS = ["x", "t", "z", "u", "s", "y"]


def _py_quadratic(rng):
    v = rng.choice(_PY_VARS)
    name = rng.choice(["quadratic_roots", "solve_quadratic", "roots_of", "real_roots"])
    r1, r2 = rng.randint(-9, 9), rng.randint(-9, 9)
    a = rng.randint(1, 4)
    code = f'''def {name}(a, b, c):
    r"""Return the solutions of $a{v}^2 + b{v} + c = 0$.

    Uses sympy's exact solver, so rational roots come back as integers or fractions and
    irrational ones as surds such as $\\frac{{-b \\pm \\sqrt{{b^2 - 4ac}}}}{{2a}}$.
    """
    {v} = sp.symbols("{v}")
    return sp.solve(a * {v}**2 + b * {v} + c, {v})
'''
    return (
        code,
        f"print({name}({a}, {-a * (r1 + r2)}, {a * r1 * r2}))  # {sorted({r1, r2})}",
        "exact roots of quadratics",
    )


def _py_taylor(rng):
    v = rng.choice(_PY_VARS)
    fn, tex = rng.choice(
        [
            ("exp", "e^{v}"),
            ("sin", "\\sin {v}"),
            ("cos", "\\cos {v}"),
            ("log(1 + {v})", "\\ln(1 + {v})"),
            ("atan", "\\arctan {v}"),
        ]
    )
    n = rng.randint(4, 9)
    name = rng.choice(["taylor_polynomial", "maclaurin", "series_at_zero", "truncated_series"])
    expr = f"sp.{fn.format(v=v)}" if "(" in fn else f"sp.{fn}({v})"
    code = f'''def {name}(order={n}):
    r"""Maclaurin polynomial of ${tex.format(v=v)}$ up to (but excluding) ${v}^{{order}}$."""
    {v} = sp.symbols("{v}")
    return sp.series({expr}, {v}, 0, order).removeO()
'''
    return code, f"print({name}())", f"Taylor polynomials of {fn.split('(')[0]}"


def _py_integral(rng):
    v = rng.choice(_PY_VARS)
    co = [rng.randint(-5, 6) for _ in range(3)]
    lo, hi = rng.randint(-3, 0), rng.randint(1, 5)
    name = rng.choice(["definite_integral", "area_under", "integrate_poly", "accumulated"])
    expr = f"{co[0]} * {v}**2 + ({co[1]}) * {v} + ({co[2]})"
    val = Fraction(co[0], 3) * (hi**3 - lo**3) + Fraction(co[1], 2) * (hi**2 - lo**2) + co[2] * (hi - lo)
    code = f'''def {name}(lower={lo}, upper={hi}):
    r"""Compute $\\int_{{{lo}}}^{{{hi}}} ({poly(co, v)})\\,d{v}$ exactly."""
    {v} = sp.symbols("{v}")
    return sp.integrate({expr}, ({v}, lower, upper))
'''
    return code, f"print({name}())  # {plain_frac(val)}", "exact definite integrals"


def _py_limit(rng):
    k = rng.randint(2, 9)
    a = rng.randint(2, 9)
    name = rng.choice(["classic_limits", "check_limits", "limits_demo", "indeterminate_forms"])
    code = f'''def {name}():
    """Evaluate a few limits of indeterminate form 0/0."""
    x = sp.symbols("x")
    return {{
        "sin({k}x)/x": sp.limit(sp.sin({k} * x) / x, x, 0),
        "(x^2-{a * a})/(x-{a})": sp.limit((x**2 - {a * a}) / (x - {a}), x, {a}),
        "(1+1/x)^x": sp.limit((1 + 1 / x) ** x, x, sp.oo),
    }}
'''
    return code, f"print({name}())  # {k}, {2 * a}, E", "limits"


def _py_tangent(rng):
    v = rng.choice(["x", "t", "z"])
    co = [rng.randint(1, 3), rng.randint(-4, 4), rng.randint(-6, 6), rng.randint(-5, 5)]
    x0 = rng.randint(-2, 3)
    m = eval_poly(deriv(co), x0)
    name = rng.choice(["tangent_line", "tangent_at", "linearize"])
    code = f'''def {name}(f, point):
    r"""Return the tangent line $y = f(a) + f'(a)({v} - a)$ of the expression f at {v} = a."""
    {v} = sp.symbols("{v}")
    slope = sp.diff(f, {v}).subs({v}, point)
    return sp.expand(f.subs({v}, point) + slope * ({v} - point))
'''
    sym = f'sp.symbols("{v}")'
    return (
        code,
        f"print({name}({co[0]}*{sym}**3 + ({co[1]})*{sym}**2 + ({co[2]})*{sym} + ({co[3]}), {x0}))  # slope {m}",
        "tangent lines",
    )


def _py_apart(rng):
    a, b = rng.sample(range(-6, 7), 2)
    name = rng.choice(["partial_fractions", "decompose", "split_fraction"])
    code = f'''def {name}(expr, var):
    r"""Partial fraction decomposition, e.g. $\\frac{{1}}{{(x - a)(x - b)}} = \\frac{{1}}{{a - b}}\\left(\\frac{{1}}{{x - a}} - \\frac{{1}}{{x - b}}\\right)$."""
    return sp.apart(sp.together(expr), var)
'''
    return (
        code,
        f'print({name}(1 / ((sp.Symbol("x") - ({a})) * (sp.Symbol("x") - ({b}))), sp.Symbol("x")))',
        "partial fractions",
    )


def _py_eigen(rng):
    l1, l2 = rng.sample([v for v in range(-5, 9) if v], 2)
    M = [[l1, rng.randint(-4, 4)], [0, l2]]
    name = rng.choice(["spectrum", "eigen_summary", "diagonalize_2x2"])
    code = f'''def {name}(rows):
    r"""Eigenvalues with multiplicities and the diagonalization $A = PDP^{{-1}}$ of a square matrix."""
    A = sp.Matrix(rows)
    P, D = A.diagonalize()
    return A.eigenvals(), P, D
'''
    return code, f"print({name}({M}))  # eigenvalues {l1}, {l2}", "eigenvalues"


def _py_divisors(rng):
    n = rng.choice([360, 496, 720, 840, 1001, 2024, 5040, 8128])
    name = rng.choice(["divisor_report", "factor_summary", "arithmetic_functions"])
    code = f'''def {name}(n):
    r"""Prime factorization, $\\tau(n)$ and $\\sigma(n)$ of a positive integer."""
    return sp.factorint(n), sp.divisor_count(n), sp.divisor_sigma(n)


def is_perfect(n):
    """A number is perfect when sigma(n) equals 2n."""
    return sp.divisor_sigma(n) == 2 * n
'''
    return code, f"print({name}({n}), is_perfect({n}))", "divisor functions"


def _py_sums(rng):
    p = rng.randint(1, 4)
    name = rng.choice(["power_sum", "closed_form_sum", "faulhaber"])
    code = f'''def {name}(power={p}):
    r"""Closed form of $\\sum_{{k=1}}^{{n}} k^{{p}}$ for the given power $p$."""
    k, n = sp.symbols("k n", integer=True, positive=True)
    return sp.factor(sp.summation(k**power, (k, 1, n)))
'''
    return code, f"print({name}())", "power sums"


def _py_ode(rng):
    w = rng.randint(1, 6)
    kk = rng.randint(1, 5)
    name = rng.choice(["solve_oscillator", "harmonic_solution", "second_order_ode"])
    code = f'''def {name}(omega={w}):
    r"""General solution of $y'' + \\omega^2 y = 0$."""
    t = sp.symbols("t")
    y = sp.Function("y")
    return sp.dsolve(y(t).diff(t, 2) + omega**2 * y(t), y(t))


def exponential_growth(rate={kk}):
    r"""Solve $y' = ky$ with $y(0) = 1$."""
    t = sp.symbols("t")
    y = sp.Function("y")
    return sp.dsolve(sp.Eq(y(t).diff(t), rate * y(t)), y(t), ics={{y(0): 1}})
'''
    return code, f"print({name}())\n    print(exponential_growth())", "differential equations"


def _py_newton(rng):
    N = rng.choice([2, 3, 5, 7, 10, 11, 13])
    it = rng.randint(5, 8)
    name = rng.choice(["newton_sqrt", "heron_sqrt", "babylonian_root"])
    code = f'''def {name}(a, steps={it}):
    r"""Approximate $\\sqrt{{a}}$ with Newton's iteration $x_{{k+1}} = \\frac{{1}}{{2}}\\left(x_k + \\frac{{a}}{{x_k}}\\right)$.

    The iteration converges quadratically: the number of correct digits roughly doubles each step.
    """
    x = sp.Rational(a)
    for _ in range(steps):
        x = (x + a / x) / 2
    return x, sp.N(x - sp.sqrt(a), 5)
'''
    return code, f"print({name}({N}))", "Newton's method"


def _py_binomial(rng):
    n, k = rng.randint(5, 12), rng.randint(1, 4)
    p = rng.choice(["1, 2", "1, 3", "1, 6", "2, 5"])
    name = rng.choice(["binomial_pmf", "prob_k_successes", "bernoulli_trials"])
    code = f'''def {name}(n, k, p):
    r"""Exact $P(X = k) = \\binom{{n}}{{k}} p^k (1-p)^{{n-k}}$ for a binomial variable."""
    return sp.binomial(n, k) * p**k * (1 - p) ** (n - k)
'''
    return code, f"print({name}({n}, {k}, sp.Rational({p})))", "binomial probabilities"


def _py_sieve(rng):
    N = rng.choice([50, 100, 200, 500, 1000])
    name = rng.choice(["primes_up_to", "eratosthenes", "sieve"])
    code = f'''def {name}(limit):
    """Sieve of Eratosthenes; cross-checked against sympy.primerange."""
    flags = [True] * (limit + 1)
    flags[0:2] = [False, False]
    for p in range(2, int(limit**0.5) + 1):
        if flags[p]:
            flags[p * p :: p] = [False] * len(flags[p * p :: p])
    primes = [i for i, ok in enumerate(flags) if ok]
    assert primes == list(sp.primerange(2, limit + 1))
    return primes
'''
    return (
        code,
        f"print(len({name}({N})))  # {len([q for q in range(2, N + 1) if all(q % d for d in range(2, int(q**0.5) + 1))])}",
        "prime sieves",
    )


def _py_fib(rng):
    n = rng.randint(20, 90)
    name = rng.choice(["fibonacci", "fib_fast", "fib_doubling"])
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    code = f'''def {name}(n):
    r"""Fast doubling: $F_{{2k}} = F_k(2F_{{k+1}} - F_k)$ and $F_{{2k+1}} = F_k^2 + F_{{k+1}}^2$."""
    if n == 0:
        return 0, 1
    a, b = {name}(n // 2)
    c = a * (2 * b - a)
    d = a * a + b * b
    return (d, c + d) if n % 2 else (c, d)
'''
    return code, f"print({name}({n})[0], sp.fibonacci({n}))  # {a}", "Fibonacci numbers"


def _py_contfrac(rng):
    p, q = rng.randint(50, 999), rng.randint(10, 99)
    name = rng.choice(["continued_fraction", "cf_expand", "euclid_quotients"])
    terms = []
    a_, b_ = p, q
    while b_:
        terms.append(a_ // b_)
        a_, b_ = b_, a_ % b_
    code = f'''def {name}(p, q):
    r"""Continued fraction $[a_0; a_1, \\dots, a_n]$ of $\\frac{{p}}{{q}}$ via the Euclidean algorithm."""
    terms = []
    while q:
        terms.append(p // q)
        p, q = q, p % q
    return terms
'''
    return code, f"print({name}({p}, {q}))  # {terms}", "continued fractions"


def _py_trig(rng):
    name = rng.choice(["verify_identities", "trig_checks", "identity_table"])
    k = rng.randint(2, 5)
    code = f'''def {name}():
    r"""Check $\\sin^2\\theta + \\cos^2\\theta = 1$ and the multiple angle formula for $\\sin {k}\\theta$."""
    th = sp.symbols("theta")
    pythagorean = sp.simplify(sp.sin(th) ** 2 + sp.cos(th) ** 2)
    multiple = sp.expand_trig(sp.sin({k} * th))
    return pythagorean, multiple
'''
    return code, f"print({name}())", "trigonometric identities"


PY_SNIPPETS = [
    _py_quadratic,
    _py_taylor,
    _py_integral,
    _py_limit,
    _py_tangent,
    _py_apart,
    _py_eigen,
    _py_divisors,
    _py_sums,
    _py_ode,
    _py_newton,
    _py_binomial,
    _py_sieve,
    _py_fib,
    _py_contfrac,
    _py_trig,
]


def _lean_sq(rng):
    a, b = rng.sample(["a", "b", "c", "x", "y", "m", "n"], 2)
    T = rng.choice(["ℤ", "ℝ", "ℚ"])
    name = rng.choice(["add_sq", "sq_add", "binomial_square", "square_of_sum"]) + f"_{a}{b}"
    return (
        f"/-- The square of a sum, proved by normalizing both sides. -/\n"
        f"theorem {name} ({a} {b} : {T}) : ({a} + {b}) ^ 2 = {a} ^ 2 + 2 * {a} * {b} + {b} ^ 2 := by\n  ring\n"
    )


def _lean_diff_sq(rng):
    a, b = rng.sample(["p", "q", "u", "v", "x", "y"], 2)
    name = rng.choice(["diff_sq", "mul_self_sub", "difference_of_squares"]) + f"_{a}{b}"
    return f"theorem {name} {{R : Type*}} [CommRing R] ({a} {b} : R) :\n    ({a} - {b}) * ({a} + {b}) = {a} ^ 2 - {b} ^ 2 := by\n  ring\n"


def _lean_numeral(rng):
    x, y = rng.randint(12, 99), rng.randint(12, 99)
    return f"example : ({x} : ℕ) * {y} = {x * y} := by norm_num\n\nexample : ({x} : ℤ) - {y} = {x - y} := by norm_num\n"


def _lean_parity(rng):
    k = rng.randint(0, 6)
    name = rng.choice(["odd_add_odd", "parity_shift", "even_succ_of_odd"]) + f"_{2 * k + 1}"
    return f"theorem {name} (n : ℕ) (h : n % 2 = 1) : (n + {2 * k + 1}) % 2 = 0 := by\n  omega\n"


def _lean_sum(rng):
    n = rng.randint(5, 30)
    fn = rng.choice(["sumUpTo", "triangle", "gaussSum"])
    return (
        f"/-- `{fn} n = 0 + 1 + ⋯ + n`. -/\ndef {fn} : ℕ → ℕ\n  | 0 => 0\n  | n + 1 => {fn} n + (n + 1)\n\n"
        f"#eval {fn} {n}  -- {n * (n + 1) // 2}\n\n"
        f"theorem two_mul_{fn} (n : ℕ) : 2 * {fn} n = n * (n + 1) := by\n"
        f"  induction n with\n  | zero => rfl\n  | succ k ih =>\n    rw [{fn}, Nat.mul_add, ih]\n    ring\n"
    )


def _lean_fib(rng):
    n = rng.randint(8, 20)
    fn = rng.choice(["fib", "fibo", "fibonacci"]) + "'"
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return (
        f"def {fn} : ℕ → ℕ\n  | 0 => 0\n  | 1 => 1\n  | n + 2 => {fn} n + {fn} (n + 1)\n\n"
        f"example : {fn} {n} = {a} := by decide\n"
    )


def _lean_system(rng):
    x0, y0 = rng.randint(3, 40), rng.randint(1, 30)
    s, d = x0 + y0, x0 - y0
    name = rng.choice(["solve_system", "linear_pair", "sum_and_difference"]) + f"_{s}"
    if d >= 0:
        return f"theorem {name} (x y : ℕ) (h₁ : x + y = {s}) (h₂ : x = y + {d}) : x = {x0} ∧ y = {y0} := by\n  omega\n"
    return f"theorem {name} (x y : ℕ) (h₁ : x + y = {s}) (h₂ : y = x + {-d}) : x = {x0} ∧ y = {y0} := by\n  omega\n"


def _lean_positivity(rng):
    c = rng.randint(1, 9)
    v = rng.choice(["x", "t", "r"])
    name = rng.choice(["sq_add_pos", "pos_of_sq_add", "shifted_square_pos"]) + f"_{c}"
    return f"theorem {name} ({v} : ℝ) : 0 < {v} ^ 2 + {c} := by\n  positivity\n"


def _lean_gcd(rng):
    g = rng.choice([2, 3, 4, 6, 7, 9, 12])
    m, n = rng.sample([5, 7, 8, 9, 11, 13], 2)
    return f"example : Nat.gcd {g * m} {g * n} = {g} := by norm_num\n\nexample : Nat.lcm {g * m} {g * n} = {g * m * n} := by norm_num\n"


def _lean_point(rng):
    S = rng.choice(["Point", "Vec2", "Pair"])
    return (
        f"/-- Points of the plane with real coordinates. -/\nstructure {S} where\n  x : ℝ\n  y : ℝ\n\n"
        f"namespace {S}\n\ndef add (p q : {S}) : {S} := ⟨p.x + q.x, p.y + q.y⟩\n\n"
        f"theorem add_comm' (p q : {S}) : p.add q = q.add p := by\n  simp only [add, add_comm]\n\nend {S}\n"
    )


def _lean_dvd(rng):
    k, m = rng.randint(2, 9), rng.randint(1, 9)
    name = rng.choice(["dvd_linear", "dvd_affine", "divides_shift"]) + f"_{k}"
    return f"theorem {name} (n : ℕ) : {k} ∣ {k} * n + {k * m} :=\n  ⟨n + {m}, by ring⟩\n"


def _lean_affine(rng):
    a, b, x = rng.randint(2, 9), rng.randint(0, 20), rng.randint(1, 12)
    name = rng.choice(["eval_affine", "apply_rule", "affine_value"]) + f"_{x}"
    return f"theorem {name} (f : ℕ → ℕ) (hf : ∀ n, f n = {a} * n + {b}) : f {x} = {a * x + b} := by\n  simp [hf]\n"


def _lean_trans(rng):
    T = rng.choice(["ℝ", "ℚ", "ℤ"])
    name = rng.choice(["lt_chain", "lt_of_lt_of_lt'", "three_step_lt"])
    return f"theorem {name} (a b c : {T}) (h₁ : a < b) (h₂ : b < c) : a < c :=\n  lt_trans h₁ h₂\n"


def _lean_int_eq(rng):
    x0 = rng.randint(-20, 20)
    a, b = rng.randint(2, 9), rng.randint(-30, 30)
    name = rng.choice(["solve_linear", "unique_root", "linear_eq_solution"]) + f"_{a}"
    return (f"theorem {name} (x : ℤ) (h : {a} * x + {b} = {a * x0 + b}) : x = {x0} := by\n  omega\n").replace(
        "+ -", "- "
    )


def _lean_finset(rng):
    n = rng.randint(3, 12)
    return (
        f"example : ∑ i ∈ Finset.range {n + 1}, i = {n * (n + 1) // 2} := by\n  decide\n\n"
        f"example : ∏ i ∈ Finset.range {min(n, 6)}, (i + 1) = {math.factorial(min(n, 6))} := by\n  decide\n"
    )


def _lean_mono(rng):
    c = rng.randint(2, 9)
    name = rng.choice(["mul_le_mul_const", "scale_le", "le_scale"]) + f"_{c}"
    return f"theorem {name} (a b : ℕ) (h : a ≤ b) : a * {c} ≤ b * {c} :=\n  Nat.mul_le_mul_right {c} h\n"


LEAN_SNIPPETS = [
    _lean_sq,
    _lean_diff_sq,
    _lean_numeral,
    _lean_parity,
    _lean_sum,
    _lean_fib,
    _lean_system,
    _lean_positivity,
    _lean_gcd,
    _lean_point,
    _lean_dvd,
    _lean_affine,
    _lean_trans,
    _lean_int_eq,
    _lean_finset,
    _lean_mono,
]
