"""Number theory topics: the Euclidean algorithm, congruences, divisors and the Chinese remainder theorem."""

from __future__ import annotations

import math
import random

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import paren, pick


def euclid_steps(a: int, b: int) -> list[tuple[int, int, int, int]]:
    steps = []
    while b:
        q, r = divmod(a, b)
        steps.append((a, b, q, r))
        a, b = b, r
    return steps


def _ext_gcd(a: int, b: int) -> tuple[int, int, int]:
    if b == 0:
        return a, 1, 0
    g, x, y = _ext_gcd(b, a % b)
    return g, y, x - (a // b) * y


def topic_gcd(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        g = rng.choice([1, 2, 3, 4, 6, 7, 9, 12, 14, 15, 18, 21])
        m, n = rng.randint(10, 90), rng.randint(5, 60)
        if math.gcd(m, n) == 1 and m > n:
            break
    a, b = g * m, g * n
    steps = euclid_steps(a, b)
    _, x, y = _ext_gcd(a, b)
    lcm = a * b // g
    title = S(
        "The Euclidean Algorithm",
        "Greatest Common Divisors and Bezout's Identity",
        "Computing GCDs Efficiently",
        "Divisibility, GCD and LCM",
        "The Extended Euclidean Algorithm",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The greatest common divisor $\gcd(a, b)$ of two integers is the largest integer dividing both.",
            r"For integers $a$ and $b$, not both zero, $\gcd(a, b)$ denotes the largest positive common divisor.",
            "The greatest common divisor is one of the oldest objects in number theory; the algorithm that computes it appears in Euclid's Elements.",
        ),
        S(
            r"The key observation is that $\gcd(a, b) = \gcd(b, a \bmod b)$, because any common divisor of $a$ and $b$ also divides the remainder.",
            r"Everything rests on the identity $\gcd(a, b) = \gcd(b, r)$ where $r$ is the remainder of $a$ divided by $b$.",
        ),
        S(
            "Repeating this step shrinks the numbers quickly until the remainder is zero.",
            "Since remainders strictly decrease, the process stops after finitely many steps.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(
            f"Let us compute $\\gcd({a}, {b})$.",
            f"We find the greatest common divisor of ${a}$ and ${b}$.",
            f"As an example take $a = {a}$ and $b = {b}$.",
        ),
        S("The divisions are:", "Dividing repeatedly we obtain:"),
    )
    s2.ul([f"${u} = {qq} \\cdot {v} + {rr}$" for (u, v, qq, rr) in steps], ordered=True)
    s2.p(
        f"The last nonzero remainder is ${g}$, so $\\gcd({a}, {b}) = {g}$, and the least common multiple is $\\frac{{{a} \\cdot {b}}}{{{g}}} = {lcm}$.",
        S(
            f"That took ${len(steps)}$ divisions, far fewer than testing every possible divisor.",
            f"Only ${len(steps)}$ division steps were needed.",
        ),
    )
    s3 = Builder()
    s3.thm(
        "Theorem",
        "Bezout's identity",
        r"For all integers $a, b$ there exist integers $x, y$ with $ax + by = \gcd(a, b)$.",
        S(
            "Run the Euclidean algorithm backwards: each remainder is an integer combination of the two previous ones, hence of $a$ and $b$.",
            "The set of positive numbers of the form $ax + by$ has a least element $d$; dividing $a$ by $d$ shows that $d$ divides $a$, similarly $b$, and every common divisor divides $d$.",
        ),
    )
    s3.p(
        f"Tracing the steps back for our pair gives ${a} \\cdot {paren(x)} + {b} \\cdot {paren(y)} = {g}$.",
        S(
            "Such coefficients are exactly what is needed to invert numbers modulo $n$.",
            "This is how modular inverses are computed in practice, for example in RSA key generation.",
        ),
    )
    heads = [
        S("Definition", "The key lemma", "Greatest common divisors"),
        S("The algorithm in action", "Worked example", "An example"),
        S("Bezout's identity", "The extended algorithm", "Linear combinations"),
    ]
    u, v = rng.randint(100, 999), rng.randint(20, 99)
    ex = [
        f"Compute $\\gcd({u}, {v})$ with the Euclidean algorithm.",
        f"Find integers $x, y$ with ${u}x + {v}y = \\gcd({u}, {v})$.",
        f"Show that $\\gcd(n, n + {rng.randint(1, 3)})$ divides ${rng.randint(1, 3)}$ for all $n$.",
    ]
    summary = [
        S(r"$\gcd(a, b) = \gcd(b, a \bmod b)$.", "Replace the larger number by a remainder."),
        S("The algorithm needs only logarithmically many steps.", "Euclid's algorithm is fast even for huge numbers."),
        S("Running it backwards gives Bezout coefficients.", r"$\operatorname{lcm}(a, b) = \frac{ab}{\gcd(a, b)}$."),
    ]
    code = f"def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n\n\nprint(gcd({a}, {b}))  # {g}\n"
    return make_topic(
        "number theory", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_modular(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    p = rng.choice([7, 11, 13, 17, 19, 23, 29, 31])
    a = rng.randint(2, p - 1)
    e = rng.randint(100, 999)
    red = e % (p - 1)
    res = pow(a, e, p)
    m = rng.choice([5, 6, 7, 8, 9, 12])
    u = rng.randint(20, 99)
    inv_base = rng.choice([k for k in range(2, p) if k != 1])
    inv = pow(inv_base, -1, p)
    q5 = rng.choice([5, 7, 11])
    title = S(
        "Modular Arithmetic and Fermat's Little Theorem",
        "Congruences and Remainders",
        "Computing Large Powers Modulo a Prime",
        "Clock Arithmetic: An Introduction to Congruences",
        "Fermat's Little Theorem with Examples",
    )
    s1 = Builder()
    s1.p(
        S(
            r"We say that $a \equiv b \pmod{n}$ when $n$ divides $a - b$, that is, when $a$ and $b$ leave the same remainder upon division by $n$.",
            r"Two integers are congruent modulo $n$, written $a \equiv b \pmod{n}$, if their difference is a multiple of $n$.",
            "Modular arithmetic is arithmetic on a clock: after reaching the modulus we wrap around to zero.",
        ),
        S(
            f"For example ${u} \\equiv {u % m} \\pmod{{{m}}}$ because ${u} - {u % m} = {u - u % m}$ is divisible by ${m}$.",
            f"So ${u} \\equiv {u % m} \\pmod{{{m}}}$, since ${m}$ divides ${u - u % m}$.",
        ),
        S(
            "Congruences can be added and multiplied like equations, which makes them extremely convenient.",
            "Sums and products respect congruence, so we may reduce numbers at any stage of a computation.",
        ),
    )
    s2 = Builder()
    s2.thm(
        "Theorem",
        "Fermat's little theorem",
        r"If $p$ is prime and $p \nmid a$, then $a^{p-1} \equiv 1 \pmod{p}$.",
        S(
            r"The numbers $a, 2a, \dots, (p-1)a$ are nonzero and pairwise incongruent modulo $p$, so they are a rearrangement of $1, 2, \dots, p-1$. Multiplying them all gives $a^{p-1}(p-1)! \equiv (p-1)! \pmod{p}$, and $(p-1)!$ can be cancelled.",
            r"Multiplication by $a$ permutes the nonzero residues modulo $p$. Comparing the product of all nonzero residues before and after the permutation yields $a^{p-1} \equiv 1$.",
        ),
    )
    s2.p(
        S(
            f"To compute ${a}^{{{e}}} \\bmod {p}$, note that ${e} = {e // (p - 1)} \\cdot {p - 1} + {red}$.",
            f"Suppose we need the remainder of ${a}^{{{e}}}$ modulo ${p}$. Dividing the exponent by ${p - 1}$ leaves remainder ${red}$.",
        ),
        f"By Fermat, ${a}^{{{p - 1}}} \\equiv 1$, so ${a}^{{{e}}} \\equiv {a}^{{{red}}} \\equiv {res} \\pmod{{{p}}}$.",
        S("A computation with hundreds of digits collapses to a few multiplications.", "No large numbers ever appear."),
    )
    s3 = Builder()
    s3.p(
        S(
            "Fermat's theorem also gives inverses: $a^{p-2}$ is the inverse of $a$ modulo $p$.",
            "Inverses modulo a prime exist for every nonzero residue.",
        ),
        f"For instance ${inv_base} \\cdot {inv} = {inv_base * inv} \\equiv 1 \\pmod{{{p}}}$, so ${inv}$ is the inverse of ${inv_base}$ modulo ${p}$.",
        S(
            "Fast modular exponentiation by repeated squaring makes such computations practical, and it is the workhorse of public key cryptography.",
            "Repeated squaring computes these powers efficiently, which is why modular arithmetic underlies modern cryptography.",
        ),
    )
    heads = [
        S("Congruences", "Definition", "Arithmetic modulo n"),
        S("Fermat's little theorem", "Reducing exponents", "Large powers"),
        S("Inverses", "Applications", "Division modulo a prime"),
    ]
    ex = [
        f"Find the remainder of ${rng.randint(2, 9)}^{{{rng.randint(50, 500)}}}$ modulo ${rng.choice([7, 11, 13])}$.",
        f"Solve ${rng.randint(2, 6)}x \\equiv {rng.randint(1, 6)} \\pmod{{{rng.choice([7, 11, 13])}}}$.",
        f"Show that $n^{{{q5}}} - n$ is divisible by ${q5}$ for every integer $n$.",
    ]
    summary = [
        S("Congruence modulo n is equality of remainders.", r"$a \equiv b \pmod{n}$ means $n \mid a - b$."),
        S(
            "Reduce exponents modulo p - 1 when working modulo a prime p.",
            "Fermat's little theorem reduces huge exponents.",
        ),
        S("Nonzero residues modulo a prime have inverses.", "Modular inverses make division possible."),
    ]
    code = f"print(pow({a}, {e}, {p}))  # {res}\nprint(pow({inv_base}, -1, {p}))  # {inv}\n"
    return make_topic(
        "number theory", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_divisors(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    primes = sorted(rng.sample([2, 3, 5, 7, 11, 13], 3))
    exps = [rng.randint(1, 4), rng.randint(1, 2), rng.randint(1, 2)]
    n = 1
    for pr, k in zip(primes, exps):
        n *= pr**k
    fac = " \\cdot ".join(f"{pr}^{k}" if k > 1 else str(pr) for pr, k in zip(primes, exps))
    tau = 1
    sigma = 1
    for pr, k in zip(primes, exps):
        tau *= k + 1
        sigma *= (pr ** (k + 1) - 1) // (pr - 1)
    m = rng.choice([36, 48, 60, 72, 84, 90, 96, 100, 108, 120])
    divs = [d for d in range(1, m + 1) if m % d == 0]
    title = S(
        "Prime Factorization and Divisors",
        "Counting Divisors",
        "The Fundamental Theorem of Arithmetic",
        "Divisor Functions and Perfect Numbers",
        "Factoring Integers into Primes",
    )
    s1 = Builder()
    s1.p(
        S(
            "Every integer greater than one can be written as a product of primes, and this product is unique up to the order of the factors.",
            "Primes are the building blocks of the integers: each integer above one factors into primes in exactly one way.",
            "The fundamental theorem of arithmetic guarantees existence and uniqueness of prime factorizations.",
        ),
        S(
            "Existence follows by induction, while uniqueness rests on Euclid's lemma: if a prime divides a product, it divides one of the factors.",
            "The hard part is uniqueness, which is proved with Euclid's lemma about primes dividing products.",
        ),
        S(f"For example ${n} = {fac}$.", f"Thus ${n}$ factors as ${fac}$."),
    )
    s2 = Builder()
    s2.p(
        S(
            r"If $n = p_1^{e_1} \cdots p_k^{e_k}$, a divisor of $n$ chooses an exponent between $0$ and $e_i$ for each prime, so the number of divisors is",
            r"Counting divisors becomes a counting problem about exponents: with $n = p_1^{e_1} \cdots p_k^{e_k}$ we get",
        )
    )
    s2.d(r"\tau(n) = (e_1 + 1)(e_2 + 1) \cdots (e_k + 1)")
    s2.p(
        f"For $n = {n}$ this gives $\\tau({n}) = " + " \\cdot ".join(str(k + 1) for k in exps) + f" = {tau}$.",
        S(
            f"The sum of the divisors is multiplicative as well, and here $\\sigma({n}) = {sigma}$.",
            f"A similar product formula gives the divisor sum $\\sigma({n}) = {sigma}$.",
        ),
    )
    s2.p(
        S(
            f"As a smaller check, the divisors of ${m}$ are "
            + ", ".join(map(str, divs[:-1]))
            + f" and ${m}$, which is ${len(divs)}$ numbers.",
            f"Listing them for ${m}$ gives " + ", ".join(map(str, divs)) + f", a total of ${len(divs)}$ divisors.",
        )
    )
    s3 = Builder()
    s3.p(
        S(
            r"A number is perfect when it equals the sum of its proper divisors, that is when $\sigma(n) = 2n$.",
            r"Perfect numbers satisfy $\sigma(n) = 2n$; the first ones are $6$, $28$, $496$ and $8128$.",
        ),
        S(
            r"Euclid proved that $2^{p-1}(2^p - 1)$ is perfect whenever $2^p - 1$ is prime, and Euler showed that every even perfect number has this form.",
            r"Every even perfect number has the form $2^{p-1}(2^p - 1)$ with $2^p - 1$ a Mersenne prime, a result going back to Euclid and Euler.",
        ),
        S("Whether an odd perfect number exists is still unknown.", "No odd perfect number has ever been found."),
    )
    heads = [
        S("Prime factorization", "Unique factorization", "Primes as building blocks"),
        S("Counting divisors", "The divisor function", "How many divisors?"),
        S("Perfect numbers", "Sums of divisors", "A famous open problem"),
    ]
    ex = [
        f"Find the prime factorization of ${rng.choice([360, 504, 756, 1001, 1540, 2310])}$.",
        f"How many positive divisors does ${rng.choice([720, 1800, 2520, 5040])}$ have?",
        f"Find the smallest positive integer with exactly ${rng.choice([6, 8, 10, 12])}$ divisors.",
    ]
    summary = [
        S("Prime factorizations exist and are unique.", "Every integer above one is a product of primes."),
        S(
            "The number of divisors is a product of exponents plus one.",
            r"$\tau$ and $\sigma$ are multiplicative functions.",
        ),
        S("Even perfect numbers come from Mersenne primes.", "Perfect numbers equal the sum of their proper divisors."),
    ]
    code = f"import sympy as sp\n\nprint(sp.factorint({n}))\nprint(sp.divisor_count({n}), sp.divisor_sigma({n}))  # {tau} {sigma}\n"
    return make_topic(
        "number theory", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_crt(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    mods = rng.choice([(3, 5, 7), (3, 4, 5), (4, 5, 9), (5, 7, 8), (3, 7, 11), (2, 5, 9), (5, 6, 7)])
    rs = [rng.randint(0, mm - 1) for mm in mods]
    M = mods[0] * mods[1] * mods[2]
    x = next(t for t in range(M) if all(t % mm == rr for mm, rr in zip(mods, rs)))
    m1, m2 = mods[0], mods[1]
    x12 = next(t for t in range(m1 * m2) if t % m1 == rs[0] and t % m2 == rs[1])
    title = S(
        "The Chinese Remainder Theorem",
        "Solving Simultaneous Congruences",
        "Systems of Congruences and the CRT",
        "Remainder Puzzles and the Chinese Remainder Theorem",
        "Linear Congruences",
    )
    s1 = Builder()
    s1.p(
        S(
            "An ancient puzzle asks for a number that leaves given remainders when divided by several moduli.",
            "Simultaneous congruences appear in calendar calculations, in coding theory and in fast arithmetic with large integers.",
            "The Chinese remainder theorem, known from the work of Sunzi, solves systems of congruences with coprime moduli.",
        ),
        S(
            r"If $m_1, \dots, m_k$ are pairwise coprime, the system $x \equiv r_i \pmod{m_i}$ has a solution, and the solution is unique modulo $M = m_1 m_2 \cdots m_k$.",
            r"For pairwise coprime moduli there is exactly one residue class modulo the product $M = m_1 \cdots m_k$ satisfying all the congruences.",
        ),
    )
    s2 = Builder()
    s2.p(S("Consider the system", "Let us solve", "Our example is"))
    s2.d(
        f"x \\equiv {rs[0]} \\pmod{{{mods[0]}}}, \\quad x \\equiv {rs[1]} \\pmod{{{mods[1]}}}, \\quad x \\equiv {rs[2]} \\pmod{{{mods[2]}}}"
    )
    s2.p(
        S(
            f"The numbers congruent to ${rs[0]}$ modulo ${m1}$ that also satisfy the second condition form the class $x \\equiv {x12} \\pmod{{{m1 * m2}}}$.",
            f"Combining the first two congruences by trying ${rs[0]}, {rs[0] + m1}, {rs[0] + 2 * m1}, \\dots$ gives $x \\equiv {x12} \\pmod{{{m1 * m2}}}$.",
        ),
        f"Checking the numbers ${x12}, {x12 + m1 * m2}, {x12 + 2 * m1 * m2}, \\dots$ against the third congruence leads to $x = {x}$.",
        S(
            f"All solutions are $x = {x} + {M}t$ for integers $t$.",
            f"The general solution is $x \\equiv {x} \\pmod{{{M}}}$.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            r"A constructive proof sets $M_i = M / m_i$ and picks $y_i$ with $M_i y_i \equiv 1 \pmod{m_i}$; then $x = \sum r_i M_i y_i$ works.",
            r"The explicit formula uses the inverses $y_i$ of $M_i = M / m_i$ modulo $m_i$ and reads $x = \sum_i r_i M_i y_i$.",
        ),
        S(
            "Computers use the theorem to split arithmetic with huge numbers into many small independent computations.",
            "In practice the theorem lets a computation modulo a large number be carried out modulo its coprime factors separately.",
        ),
    )
    heads = [
        S("The theorem", "Statement", "Simultaneous congruences"),
        S("Worked example", "Sieving for a solution", "Solving a system"),
        S("A constructive proof", "Applications", "Why it works"),
    ]
    ex = [
        f"Find the smallest positive $x$ with $x \\equiv {rng.randint(1, 2)} \\pmod 3$ and $x \\equiv {rng.randint(1, 4)} \\pmod 5$.",
        "A basket of eggs leaves remainder $1$ when counted in twos, threes, fours, fives and sixes, but none when counted in sevens. How many eggs could it hold?",
        f"Solve $x \\equiv {rng.randint(0, 6)} \\pmod 7$, $x \\equiv {rng.randint(0, 10)} \\pmod{{11}}$.",
    ]
    summary = [
        S("Coprime moduli give a unique solution modulo the product.", "The CRT solves systems of congruences."),
        S("Solve two congruences at a time.", "Combine the congruences step by step."),
        S(
            "The theorem splits big computations into small ones.",
            "The solution can be written down with modular inverses.",
        ),
    ]
    code = f"from sympy.ntheory.modular import crt\n\nprint(crt({list(mods)}, {rs}))  # ({x}, {M})\n"
    return make_topic(
        "number theory", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )
