"""Probability topics: dice and cards, the binomial distribution, expectation and Bayes' theorem."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import num, pick, plain_frac


def topic_dice(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    s = rng.randint(3, 11)
    ways = 6 - abs(s - 7)
    pr = Fraction(ways, 36)
    n = rng.randint(2, 6)
    none = Fraction(5, 6) ** n
    cards = rng.choice(
        [("a heart", 13), ("a face card", 12), ("an ace", 4), ("a red card", 26), ("a spade or an ace", 16)]
    )
    title = S(
        "Probability with Dice and Cards",
        "Classical Probability: Counting Equally Likely Outcomes",
        "An Introduction to Probability",
        "Rolling Dice: Computing Probabilities",
        "Complementary Events and Counting",
    )
    s1 = Builder()
    s1.p(
        S(
            r"When all outcomes of an experiment are equally likely, the probability of an event $A$ is $P(A) = \frac{|A|}{|\Omega|}$, the number of favourable outcomes divided by the number of all outcomes.",
            r"Classical probability counts: with $|\Omega|$ equally likely outcomes, an event made of $|A|$ of them has probability $\frac{|A|}{|\Omega|}$.",
            "The simplest probability models consist of finitely many equally likely outcomes, like the faces of a fair die.",
        ),
        S(
            f"Drawing one card from a standard deck of $52$, the chance of {cards[0]} is $\\frac{{{cards[1]}}}{{52}} = {num(Fraction(cards[1], 52))}$.",
            f"For a single card drawn from a shuffled deck, {cards[0]} appears with probability ${num(Fraction(cards[1], 52))}$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(
            "Rolling two fair dice gives $36$ equally likely ordered pairs.",
            "Two dice produce $6 \\cdot 6 = 36$ ordered outcomes, all with the same chance.",
        ),
        f"The sum ${s}$ arises in ${ways}$ of them, so its probability is $\\frac{{{ways}}}{{36}}{'' if ways in (1, 5) else ' = ' + num(pr)}$.",
        S(
            "The most likely sum is $7$, which occurs in six ways.",
            "No sum is more likely than $7$, with probability $\\frac{1}{6}$.",
        ),
    )
    s2.p(
        S(
            "Events of the form at least one are easiest through the complement.",
            "For questions about at least one success, compute the probability of no success first.",
        ),
        f"The probability of no six in ${n}$ rolls is $\\left(\\frac{{5}}{{6}}\\right)^{n} = {num(none)}$, so at least one six appears with probability $1 - {num(none)} = {num(1 - none)}$.",
        S(f"That is about ${float(1 - none) * 100:.1f}\\%$.", f"Numerically this is roughly ${float(1 - none):.3f}$."),
    )
    s3 = Builder()
    s3.p(
        S("Counting with ordered pairs avoids a classical mistake.", "It matters that we count ordered outcomes."),
        S(
            "Treating the unordered results as equally likely would wrongly give a double six the same chance as a five and a six, although the latter can happen in two ways.",
            "Historically even good mathematicians were misled by treating unordered outcomes as equally likely; ordered pairs fix the problem.",
        ),
        S(
            r"The addition rule $P(A \cup B) = P(A) + P(B) - P(A \cap B)$ handles overlapping events.",
            r"For overlapping events use inclusion and exclusion: $P(A \cup B) = P(A) + P(B) - P(A \cap B)$.",
        ),
    )
    heads = [
        S("Equally likely outcomes", "The classical definition", "Counting outcomes"),
        S("Two dice", "Sums of dice", "Worked examples"),
        S("Common pitfalls", "Overlapping events", "Ordered versus unordered"),
    ]
    ex = [
        f"Two dice are rolled. Find the probability that the sum is at least ${rng.randint(8, 11)}$.",
        f"What is the probability of at least one head in ${rng.randint(3, 8)}$ tosses of a fair coin?",
        "Find the probability that two cards drawn without replacement are both aces.",
    ]
    summary = [
        S(
            "Probability is favourable over possible when outcomes are equally likely.",
            "Count carefully and use ordered outcomes.",
        ),
        S("Use the complement for at least one questions.", r"$P(\text{at least one}) = 1 - P(\text{none})$."),
        S("Inclusion and exclusion corrects for overlaps.", "Subtract the intersection when adding probabilities."),
    ]
    code = (
        f"from fractions import Fraction\nfrom itertools import product\n\nhits = sum(1 for a, b in product(range(1, 7), repeat=2) if a + b == {s})\n"
        f"print(Fraction(hits, 36))  # {plain_frac(pr)}\n"
    )
    return make_topic(
        "probability", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_binomial(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    n = rng.randint(4, 10)
    p = rng.choice([Fraction(1, 2), Fraction(1, 3), Fraction(1, 4), Fraction(2, 5), Fraction(1, 5), Fraction(3, 4)])
    k = rng.randint(2, n - 1)
    prob = math.comb(n, k) * p**k * (1 - p) ** (n - k)
    mean, var = n * p, n * p * (1 - p)
    what = rng.choice(
        [
            "a free throw",
            "a seed germinating",
            "a component passing inspection",
            "a survey respondent answering yes",
            "a penalty kick",
        ]
    )
    title = S(
        "The Binomial Distribution",
        "Bernoulli Trials and Binomial Probabilities",
        "Counting Successes in Repeated Trials",
        "Binomial Coefficients in Probability",
        "Mean and Variance of the Binomial Distribution",
    )
    s1 = Builder()
    s1.p(
        S(
            "A Bernoulli trial is an experiment with two outcomes, success and failure.",
            "Repeated independent experiments with two outcomes are called Bernoulli trials.",
            "Many counting questions in probability reduce to repeating the same yes-or-no experiment.",
        ),
        S(
            r"If $X$ counts the successes in $n$ independent trials with success probability $p$, then $X$ has the binomial distribution:",
            r"The number $X$ of successes in $n$ independent trials, each succeeding with probability $p$, satisfies",
        ),
    )
    s1.d(r"P(X = k) = \binom{n}{k} p^k (1 - p)^{n - k}, \quad k = 0, 1, \dots, n")
    s1.p(
        S(
            r"The binomial coefficient $\binom{n}{k}$ counts the positions of the $k$ successes, and each such arrangement has probability $p^k (1 - p)^{n - k}$.",
            r"Each specific sequence with $k$ successes has probability $p^k (1-p)^{n-k}$, and there are $\binom{n}{k}$ such sequences.",
        )
    )
    s2 = Builder()
    s2.p(
        S(
            f"Suppose the probability of {what} is ${num(p)}$ and we observe ${n}$ independent attempts.",
            f"Model {what} as a success with probability $p = {num(p)}$, repeated $n = {n}$ times.",
        ),
        f"The probability of exactly ${k}$ successes is $\\binom{{{n}}}{{{k}}} \\left({num(p)}\\right)^{k} \\left({num(1 - p)}\\right)^{{{n - k}}} = {num(prob)}$,",
        S(f"which is approximately ${float(prob):.4f}$.", f"roughly ${float(prob) * 100:.2f}\\%$."),
    )
    s3 = Builder()
    s3.p(
        S(
            r"Writing $X$ as a sum of $n$ indicator variables shows $E[X] = np$ and $\operatorname{Var}(X) = np(1 - p)$.",
            r"Since $X$ is a sum of independent indicators, linearity gives the mean $np$, and independence gives the variance $np(1-p)$.",
        ),
        f"In the example the mean is ${num(mean)}$ and the variance is ${num(var)}$.",
        S(
            r"For large $n$ the distribution is close to a normal curve with the same mean and variance.",
            r"When $n$ is large the de Moivre-Laplace theorem approximates it by a normal distribution.",
        ),
    )
    heads = [
        S("Bernoulli trials", "The binomial model", "Definition"),
        S("An example", "Computing a probability", "Worked example"),
        S("Mean and variance", "Moments", "Normal approximation"),
    ]
    ex = [
        f"A fair coin is tossed ${rng.randint(5, 10)}$ times. Find the probability of exactly ${rng.randint(2, 4)}$ heads.",
        f"A multiple choice test has ${rng.randint(8, 15)}$ questions with ${rng.randint(3, 5)}$ options each. Find the expected number of correct guesses.",
        f"Find the variance of a binomial variable with $n = {rng.randint(10, 50)}$ and $p = {num(rng.choice([Fraction(1, 2), Fraction(1, 5)]))}$.",
    ]
    summary = [
        S(
            "Binomial probabilities count arrangements of successes.",
            "Use binomial coefficients for the number of arrangements.",
        ),
        S(
            r"$E[X] = np$ and $\operatorname{Var}(X) = np(1 - p)$.",
            "The mean is the number of trials times the success probability.",
        ),
        S("Independence of the trials is essential.", "The model assumes the same success probability in every trial."),
    ]
    code = (
        f"from fractions import Fraction\nfrom math import comb\n\np = Fraction({p.numerator}, {p.denominator})\n"
        f"print(comb({n}, {k}) * p**{k} * (1 - p)**{n - k})  # {plain_frac(prob)}\n"
    )
    return make_topic(
        "probability", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_expectation(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    vals = sorted(rng.sample(range(-5, 15), 4))
    while True:
        ws = [rng.randint(1, 5) for _ in range(4)]
        tot = sum(ws)
        if tot in (10, 12, 8, 15, 16, 20):
            break
    probs = [Fraction(w, tot) for w in ws]
    E = sum(v * q for v, q in zip(vals, probs))
    E2 = sum(v * v * q for v, q in zip(vals, probs))
    var = E2 - E * E
    prize, cost = rng.randint(10, 50), rng.randint(2, 9)
    title = S(
        "Expected Value and Variance",
        "Expectation of Discrete Random Variables",
        "Linearity of Expectation",
        "Averages of Random Quantities",
        "Computing Means and Variances",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The expected value of a discrete random variable is the probability-weighted average of its values, $E[X] = \sum_x x \, P(X = x)$.",
            r"For a random variable with finitely many values the expectation is $E[X] = \sum_x x\,P(X = x)$, the long-run average of many independent repetitions.",
            "Expectation summarizes a random quantity by a single number, its mean.",
        ),
        S(
            r"The variance $\operatorname{Var}(X) = E[X^2] - (E[X])^2$ measures the spread around the mean.",
            r"Spread is measured by the variance, $\operatorname{Var}(X) = E[(X - E[X])^2] = E[X^2] - E[X]^2$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S("Let $X$ take the values", "Suppose a random variable $X$ takes the values", "Consider $X$ with values")
        + " "
        + ", ".join(f"${v}$" for v in vals)
        + " "
        + S("with probabilities", "having probabilities")
        + " "
        + ", ".join(f"${num(q)}$" for q in probs)
        + ".",
        f"Then $E[X] = {num(E)}$ and $E[X^2] = {num(E2)}$,",
        f"so the variance equals ${num(E2)} - \\left({num(E)}\\right)^2 = {num(var)}$.",
    )
    s2.p(
        S(
            f"A game costs ${cost}$ coins to play and pays ${prize}$ coins with probability $\\frac{{1}}{{{prize // 2 + 3}}}$.",
            f"Consider a lottery ticket costing ${cost}$ tokens that wins ${prize}$ tokens with chance $\\frac{{1}}{{{prize // 2 + 3}}}$.",
        ),
        f"The expected net gain is $\\frac{{{prize}}}{{{prize // 2 + 3}}} - {cost} = {num(Fraction(prize, prize // 2 + 3) - cost)}$,",
        S(
            "so in the long run the player loses."
            if Fraction(prize, prize // 2 + 3) < cost
            else "so in the long run the player wins.",
            "and the sign of this number decides whether playing pays off on average.",
        ),
    )
    s3 = Builder()
    s3.thm(
        "Theorem",
        "Linearity of expectation",
        r"For any random variables $X$ and $Y$ and constants $a, b$, $E[aX + bY] = aE[X] + bE[Y]$, even if $X$ and $Y$ are dependent.",
        S(
            r"Write both sides as sums over the outcomes of the underlying probability space and use the distributive law.",
            r"Expectation is a sum over outcomes weighted by their probabilities, and sums are linear.",
        ),
    )
    nn = rng.randint(5, 52)
    s3.p(
        S(
            f"For instance, if ${nn}$ letters are put into ${nn}$ envelopes at random, the expected number of letters in the right envelope is exactly $1$: each of the ${nn}$ indicators has mean $\\frac{{1}}{{{nn}}}$.",
            f"A striking application: a random permutation of ${nn}$ objects has on average exactly one fixed point, since each object stays put with probability $\\frac{{1}}{{{nn}}}$.",
        )
    )
    heads = [
        S("Definitions", "Mean and variance", "Expectation"),
        S("Examples", "A worked example", "Fair games"),
        S("Linearity", "Linearity of expectation", "Sums of random variables"),
    ]
    ex = [
        f"Find the expected value of the sum of ${rng.randint(2, 5)}$ fair dice.",
        f"A random variable takes the values $0$ and ${rng.randint(2, 9)}$ with equal probability. Find its variance.",
        f"Find the expected number of heads in ${rng.randint(10, 100)}$ fair coin tosses.",
    ]
    summary = [
        S("Expectation is a weighted average.", r"$E[X] = \sum_x x P(X = x)$."),
        S(r"$\operatorname{Var}(X) = E[X^2] - E[X]^2$.", "Variance measures spread."),
        S(
            "Expectation is linear, even without independence.",
            "Indicators plus linearity solve many counting problems.",
        ),
    ]
    code = (
        f"from fractions import Fraction as F\n\nvals = {vals}\nprobs = [{', '.join(f'F({w}, {tot})' for w in ws)}]\n"
        f"mean = sum(v * p for v, p in zip(vals, probs))\nprint(mean)  # {plain_frac(E)}\n"
    )
    return make_topic(
        "probability", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )


def topic_bayes(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    N = 10000
    prev = rng.choice([1, 2, 5, 10, 20, 50])  # per thousand
    sens = rng.choice([90, 95, 98, 99])
    fpr = rng.choice([2, 3, 5, 8, 10])
    sick = N * prev // 1000
    healthy = N - sick
    tp = sick * sens // 100
    fp = healthy * fpr // 100
    post = Fraction(tp, tp + fp)
    cond = rng.choice(["a rare disease", "a genetic marker", "a manufacturing defect", "a fraudulent transaction"])
    title = S(
        "Conditional Probability and Bayes' Theorem",
        "Bayes' Rule Explained with Medical Tests",
        "Reasoning with Conditional Probabilities",
        "Base Rates and Bayes' Theorem",
        "Updating Beliefs with Evidence",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The conditional probability of $A$ given $B$ is $P(A \mid B) = \frac{P(A \cap B)}{P(B)}$ when $P(B) > 0$.",
            r"Conditioning on an event $B$ restricts attention to the outcomes in $B$: $P(A \mid B) = \frac{P(A \cap B)}{P(B)}$.",
            "Conditional probability describes how likely an event is once we know that another event has happened.",
        ),
        S(
            "Rewriting the intersection in two ways gives Bayes' theorem:",
            "Exchanging the roles of the events leads to Bayes' formula:",
        ),
    )
    s1.d(r"P(A \mid B) = \frac{P(B \mid A) P(A)}{P(B \mid A) P(A) + P(B \mid A^c) P(A^c)}")
    s2 = Builder()
    s2.p(
        S(
            f"Suppose a test for {cond} detects it in ${sens}\\%$ of true cases and gives a false alarm in ${fpr}\\%$ of the other cases, while only ${prev}$ in $1000$ cases are affected.",
            f"A screening procedure for {cond} has sensitivity ${sens}\\%$ and false positive rate ${fpr}\\%$; the base rate is ${prev}$ per thousand.",
        ),
        S(
            f"Imagine ${N}$ cases: ${sick}$ are affected and ${healthy}$ are not.",
            f"Among ${N}$ typical cases we expect ${sick}$ affected ones.",
        ),
        f"The test flags ${tp}$ of the affected cases and ${fp}$ of the unaffected ones,",
        f"so a positive result is correct with probability $\\frac{{{tp}}}{{{tp} + {fp}}} = {num(post)} \\approx {float(post):.3f}$.",
    )
    s2.p(
        S(
            "The answer is often much smaller than intuition suggests because the false alarms outnumber the true cases.",
            "Ignoring the base rate is a common fallacy: when the condition is rare, most positives are false positives.",
        )
    )
    s3 = Builder()
    s3.p(
        S(
            r"Two events are independent when $P(A \cap B) = P(A)P(B)$, equivalently $P(A \mid B) = P(A)$.",
            r"Independence means that learning $B$ does not change the probability of $A$, that is $P(A \mid B) = P(A)$.",
        ),
        S(
            "Repeating the test and updating again with the new evidence raises the probability sharply, provided the two results are conditionally independent.",
            "A second independent positive result updates the prior once more and can make the diagnosis almost certain.",
        ),
    )
    heads = [
        S("Conditional probability", "Bayes' formula", "Definitions"),
        S("A medical test", "Worked example", "Base rates"),
        S("Independence", "Updating twice", "Further remarks"),
    ]
    ex = [
        f"A bag holds ${rng.randint(2, 6)}$ red and ${rng.randint(2, 6)}$ blue balls. Two are drawn. Given that the first is red, find the probability that the second is red.",
        f"A test has sensitivity ${rng.choice([80, 90, 95])}\\%$ and specificity ${rng.choice([85, 90, 95])}\\%$ for a condition with prevalence ${rng.choice([1, 5, 10])}\\%$. Find the probability of the condition after a positive test.",
        "Show that if $A$ and $B$ are independent then so are $A$ and the complement of $B$.",
    ]
    summary = [
        S("Conditioning restricts the sample space.", r"$P(A \mid B) = P(A \cap B) / P(B)$."),
        S("Bayes' theorem reverses conditional probabilities.", "Always account for the base rate."),
        S(
            "Natural frequencies make Bayes computations transparent.",
            "Think in counts of cases rather than percentages.",
        ),
    ]
    code = (
        f"from fractions import Fraction\n\ntp, fp = {tp}, {fp}\nprint(Fraction(tp, tp + fp))  # {plain_frac(post)}\n"
    )
    return make_topic(
        "probability", title, [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)], summary, ex, code
    )
