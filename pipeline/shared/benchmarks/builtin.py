"""A tiny built-in GSM8K-style benchmark ("mini_gsm").

The items are grade-school arithmetic word problems that this project
generates itself, deterministically, from a dozen hand-written templates
filled with seeded random names and numbers.  Nothing is read from disk or
downloaded, so the benchmark is always available (demo runs, unit tests,
contamination checks of the sample corpus).

Two splits exist:

* ``"test"``  - 40 items, the evaluation set;
* ``"train"`` - 8 items, meant as few-shot exemplars.

Each split uses its own fixed seed, and the generator guarantees that all 48
questions are distinct.  Every item is a dict::

    {"id": "mini_gsm/test/0007", "question": ..., "solution": ..., "answer": "42"}

The solution spells out 2-4 arithmetic steps and ends with the sentence
``The answer is N.`` where ``N`` equals ``answer`` (an integer, no commas).
"""

from __future__ import annotations

import random
from typing import Callable

__all__ = ["mini_gsm", "SPLIT_SIZES"]

SPLIT_SIZES = {"test": 40, "train": 8}
_SEEDS = {"test": 40_127, "train": 8_291}

# (name, subject pronoun, possessive pronoun)
_PEOPLE = [
    ("Maria", "she", "her"),
    ("James", "he", "his"),
    ("Aisha", "she", "her"),
    ("Tomas", "he", "his"),
    ("Priya", "she", "her"),
    ("Kenji", "he", "his"),
    ("Lena", "she", "her"),
    ("Omar", "he", "his"),
    ("Sofia", "she", "her"),
    ("Daniel", "he", "his"),
    ("Grace", "she", "her"),
    ("Mateo", "he", "his"),
    ("Hannah", "she", "her"),
    ("Ravi", "he", "his"),
    ("Chloe", "she", "her"),
    ("Samuel", "he", "his"),
    ("Nadia", "she", "her"),
    ("Lucas", "he", "his"),
    ("Yuki", "she", "her"),
    ("Felix", "he", "his"),
    ("Amara", "she", "her"),
    ("Victor", "he", "his"),
    ("Elena", "she", "her"),
    ("Jonah", "he", "his"),
]

Template = Callable[[random.Random], "tuple[str, list[str], int]"]


def _person(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_PEOPLE)


def _two_people(rng: random.Random) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    a, b = rng.sample(_PEOPLE, 2)
    return a, b


def _t_shopping(rng: random.Random):
    name, he, his = _person(rng)
    item1, item2 = rng.choice(
        [
            ("notebooks", "pens"),
            ("apples", "bananas"),
            ("comic books", "stickers"),
            ("cupcakes", "juice boxes"),
            ("tennis balls", "water bottles"),
        ]
    )
    a, p = rng.randint(2, 6), rng.randint(2, 7)
    b, q = rng.randint(2, 8), rng.randint(1, 4)
    cost = a * p + b * q
    bill = 50 if cost < 50 else 100
    q_text = (
        f"{name} goes to the store and buys {a} {item1} that cost {p} dollars each "
        f"and {b} {item2} that cost {q} dollars each. {he.capitalize()} pays with a "
        f"{bill}-dollar bill. How many dollars of change should {he} get back?"
    )
    steps = [
        f"The {item1} cost {a} * {p} = {a * p} dollars.",
        f"The {item2} cost {b} * {q} = {b * q} dollars.",
        f"In total {name} spends {a * p} + {b * q} = {cost} dollars.",
        f"The change is {bill} - {cost} = {bill - cost} dollars.",
    ]
    return q_text, steps, bill - cost


def _t_travel(rng: random.Random):
    vehicle = rng.choice(["A train", "A bus", "A delivery truck", "A ferry", "A tour van"])
    s1, h1 = rng.choice([40, 45, 50, 55, 60, 65, 70]), rng.randint(2, 5)
    s2, h2 = rng.choice([30, 35, 48, 52, 75, 80]), rng.randint(1, 4)
    d1, d2 = s1 * h1, s2 * h2
    q_text = (
        f"{vehicle} travels at {s1} miles per hour for {h1} hours. After a short stop, "
        f"it continues at {s2} miles per hour for another {h2} hours. How many miles "
        f"does it travel altogether?"
    )
    steps = [
        f"In the first part it covers {s1} * {h1} = {d1} miles.",
        f"In the second part it covers {s2} * {h2} = {d2} miles.",
        f"Altogether it travels {d1} + {d2} = {d1 + d2} miles.",
    ]
    return q_text, steps, d1 + d2


def _t_ages(rng: random.Random):
    (a, _, _), (b, _, _) = _two_people(rng)
    young = rng.randint(4, 14)
    k = rng.randint(2, 4)
    n = rng.randint(2, 9)
    old = k * young
    total = old + young + 2 * n
    q_text = (
        f"{a} is {k} times as old as {b}, who is the younger of the two cousins. "
        f"In {n} years, the sum of their ages will be exactly {total} years. "
        f"How old is {a} today?"
    )
    steps = [
        f"In {n} years both are {n} years older, so today their ages add up to {total} - 2 * {n} = {total - 2 * n}.",
        f"If {b} is y years old, then {a} is {k}y and {k + 1}y = {total - 2 * n}, "
        f"so y = {total - 2 * n} / {k + 1} = {young}.",
        f"{a} is {k} * {young} = {old} years old.",
    ]
    return q_text, steps, old


def _t_fractions(rng: random.Random):
    d1 = rng.choice([2, 3, 4, 5])
    d2 = rng.choice([2, 3, 4])
    n = d1 * d2 * rng.randint(2, 6)
    walk = n // d1
    rest = n - walk
    bike = rest // d2
    bus = rest - bike
    group = rng.choice(["class", "school club", "summer camp group", "choir", "chess team"])
    q_text = (
        f"A {group} has {n} students. One out of every {d1} students walks to school, "
        f"and 1/{d2} of the remaining students ride bikes. The rest take the bus. "
        f"How many students take the bus?"
    )
    steps = [
        f"The number of walkers is {n} / {d1} = {walk}, leaving {n} - {walk} = {rest} students.",
        f"The bike riders are {rest} / {d2} = {bike}.",
        f"So {rest} - {bike} = {bus} students take the bus.",
    ]
    return q_text, steps, bus


def _t_area(rng: random.Random):
    name, he, his = _person(rng)
    length, width = rng.randint(6, 25), rng.randint(3, 15)
    price = rng.randint(2, 9)
    area = length * width
    what = rng.choice(["garden", "patio", "playroom floor", "backyard lawn", "studio floor"])
    cover = rng.choice(["new tiles", "fresh sod", "a rubber mat", "wooden boards", "carpet"])
    q_text = (
        f"{name} has a rectangular {what} that is {length} meters long and {width} meters "
        f"wide. {he.capitalize()} wants to cover all of it with {cover} costing {price} "
        f"dollars per square meter. How many dollars will the {cover} cost?"
    )
    steps = [
        f"The area is {length} * {width} = {area} square meters.",
        f"The cost is {area} * {price} = {area * price} dollars.",
    ]
    return q_text, steps, area * price


def _t_marathon(rng: random.Random):
    name, he, his = _person(rng)
    n = rng.randint(3, 6)
    m = rng.choice([85, 90, 95, 100, 105, 110, 120])
    b = rng.choice([10, 12, 15, 20])
    show = rng.choice(["movies", "documentaries", "concert films", "cartoon specials"])
    q_text = (
        f"{name} plans a weekend marathon of {n} {show}, and each one lasts {m} minutes. "
        f"Between two consecutive {show} {he} takes a {b}-minute break. How many minutes "
        f"does the whole marathon last, from the first start to the last ending?"
    )
    watch = n * m
    breaks = (n - 1) * b
    steps = [
        f"Watching takes {n} * {m} = {watch} minutes.",
        f"There are {n} - 1 = {n - 1} breaks, lasting {n - 1} * {b} = {breaks} minutes.",
        f"The marathon lasts {watch} + {breaks} = {watch + breaks} minutes.",
    ]
    return q_text, steps, watch + breaks


def _t_recipe(rng: random.Random):
    name, he, his = _person(rng)
    base = rng.choice([12, 16, 18, 20, 24])
    cups = rng.randint(2, 5)
    mult = rng.randint(2, 5)
    want = base * mult
    food, ingredient = rng.choice(
        [
            ("cookies", "cups of flour"),
            ("muffins", "cups of milk"),
            ("pancakes", "eggs"),
            ("dumplings", "cups of cabbage"),
            ("granola bars", "cups of oats"),
        ]
    )
    q_text = (
        f"A recipe for {base} {food} uses {cups} {ingredient}. {name} is baking for a "
        f"school fair and wants to make {want} {food}. How many {ingredient} does "
        f"{he} need?"
    )
    steps = [
        f"{want} {food} is {want} / {base} = {mult} batches of the recipe.",
        f"{name} needs {mult} * {cups} = {mult * cups} {ingredient}.",
    ]
    return q_text, steps, mult * cups


def _t_savings(rng: random.Random):
    name, he, his = _person(rng)
    wage = rng.randint(8, 18)
    hours = rng.randint(3, 12) * 2
    weeks = rng.randint(3, 10)
    job = rng.choice(["at a bakery", "as a lifeguard", "at a bookshop", "walking dogs", "at a bike repair shop"])
    weekly = wage * hours
    saved = weekly // 2
    q_text = (
        f"{name} works {job} and earns {wage} dollars per hour. {he.capitalize()} works "
        f"{hours} hours every week and saves half of {his} weekly pay. How many dollars "
        f"has {he} saved after {weeks} weeks?"
    )
    steps = [
        f"Each week {name} earns {wage} * {hours} = {weekly} dollars.",
        f"Half of that is {weekly} / 2 = {saved} dollars saved per week.",
        f"After {weeks} weeks the savings are {saved} * {weeks} = {saved * weeks} dollars.",
    ]
    return q_text, steps, saved * weeks


def _t_discount(rng: random.Random):
    name, he, his = _person(rng)
    pct = rng.choice([10, 20, 25, 30, 40, 50])
    price = rng.choice([40, 60, 80, 120, 140, 160, 200, 240])
    coupon = rng.choice([5, 8, 10, 12, 15])
    thing = rng.choice(["jacket", "pair of boots", "backpack", "desk lamp", "board game"])
    off = price * pct // 100
    sale = price - off
    q_text = (
        f"A {thing} normally costs {price} dollars, and this week it is sold at {pct} "
        f"percent off. {name} also has a coupon that takes {coupon} dollars off the "
        f"sale price. How many dollars does {name} pay for the {thing}?"
    )
    steps = [
        f"The discount is {pct}/100 * {price} = {off} dollars.",
        f"The sale price is {price} - {off} = {sale} dollars.",
        f"With the coupon {name} pays {sale} - {coupon} = {sale - coupon} dollars.",
    ]
    return q_text, steps, sale - coupon


def _t_sharing(rng: random.Random):
    name, he, his = _person(rng)
    a, b = rng.randint(15, 40), rng.randint(10, 30)
    k = rng.randint(3, 6)
    g = rng.randint(2, 5)
    total = a + b
    if k * g >= total:
        g = 2
    given = k * g
    q_text = (
        f"{name} picks {a} apples and {b} pears at an orchard. {he.capitalize()} gives "
        f"{g} pieces of fruit to each of {his} {k} cousins and keeps the rest for "
        f"{his} family. How many pieces of fruit does {name} keep?"
    )
    steps = [
        f"{name} picks {a} + {b} = {total} pieces of fruit.",
        f"{he.capitalize()} gives away {k} * {g} = {given} pieces.",
        f"{he.capitalize()} keeps {total} - {given} = {total - given} pieces.",
    ]
    return q_text, steps, total - given


def _t_fence(rng: random.Random):
    side = rng.randint(7, 30)
    price = rng.randint(3, 12)
    gate = rng.choice([20, 25, 30, 40, 50])
    owner = rng.choice(["A farmer", "A school", "A park ranger", "A neighbor", "A zoo keeper"])
    perimeter = 4 * side
    q_text = (
        f"{owner} wants to fence a square field whose sides are {side} meters long. "
        f"Fencing costs {price} dollars per meter, and a gate adds another {gate} "
        f"dollars. What is the total cost in dollars?"
    )
    steps = [
        f"The perimeter of the square is 4 * {side} = {perimeter} meters.",
        f"The fencing costs {perimeter} * {price} = {perimeter * price} dollars.",
        f"With the gate the total is {perimeter * price} + {gate} = {perimeter * price + gate} dollars.",
    ]
    return q_text, steps, perimeter * price + gate


def _t_tank(rng: random.Random):
    rate = rng.randint(9, 20)
    leak = rng.randint(1, rate - 4)
    net = rate - leak
    minutes = rng.randint(6, 25)
    volume = net * minutes
    vessel = rng.choice(["water tank", "fish pond", "rain barrel", "swimming pool", "cistern"])
    q_text = (
        f"An empty {vessel} holds {volume} liters. A hose pours in {rate} liters per "
        f"minute, but a small crack lets {leak} liters per minute leak out. How many "
        f"minutes does it take to fill the {vessel} completely?"
    )
    steps = [
        f"The {vessel} gains {rate} - {leak} = {net} liters each minute.",
        f"Filling {volume} liters takes {volume} / {net} = {minutes} minutes.",
    ]
    return q_text, steps, minutes


_TEMPLATES: list = [
    _t_shopping,
    _t_travel,
    _t_ages,
    _t_fractions,
    _t_area,
    _t_marathon,
    _t_recipe,
    _t_savings,
    _t_discount,
    _t_sharing,
    _t_fence,
    _t_tank,
]


def _generate(split: str, exclude: set[str]) -> list[dict]:
    rng = random.Random(_SEEDS[split])
    n = SPLIT_SIZES[split]
    items: list[dict] = []
    seen = set(exclude)
    order = list(range(len(_TEMPLATES)))
    i = 0
    while len(items) < n:
        if i % len(order) == 0:
            rng.shuffle(order)
        template = _TEMPLATES[order[i % len(order)]]
        i += 1
        question, steps, answer = template(rng)
        if question in seen:
            continue
        seen.add(question)
        idx = len(items)
        solution = " ".join(steps) + f" The answer is {answer}."
        items.append(
            {
                "id": f"mini_gsm/{split}/{idx:04d}",
                "question": question,
                "solution": solution,
                "answer": str(answer),
            }
        )
    return items


def mini_gsm(split: str = "test") -> list[dict]:
    """Return the items of one split ("test": 40 items, "train": 8 items).

    The result is a fresh list of fresh dicts on every call, identical from run
    to run.  Train questions never coincide with test questions.
    """
    if split not in SPLIT_SIZES:
        raise ValueError(f"unknown mini_gsm split {split!r}; expected 'test' or 'train'")
    if split == "test":
        return _generate("test", set())
    test_questions = {item["question"] for item in _generate("test", set())}
    return _generate("train", test_questions)
