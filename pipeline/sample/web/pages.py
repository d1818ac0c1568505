"""The web source: math pages composed from topics, off-topic and non-English pages, planted duplicates and contamination."""

from __future__ import annotations

import random

from pipeline.sample.document import Builder, doc_words, prose_doc
from pipeline.sample.planting import contaminate_doc, make_near_duplicate, pick_originals
from pipeline.sample.text import lower_title, pick, slug
from pipeline.sample.topics.catalog import TOPICS, TOPICS_BY_AREA
from pipeline.sample.web.foreign import BYLINE_WORD, FOREIGN_SITES, MONTHS_LANG, NON_ENGLISH_PAGES
from pipeline.sample.web.offtopic import OFFTOPIC_GENERATORS, OFFTOPIC_SITES, OFFTOPIC_TITLES
from pipeline.sample.web.render import MATH_SITES, render_web_page

_AUTHORS = [
    "Ada Whitfield",
    "Bruno Castell",
    "Chen Li",
    "Dana Okafor",
    "Elif Demir",
    "Farah Haddad",
    "Goran Petrov",
    "Hana Suzuki",
    "Ivan Morales",
    "Jonas Berg",
    "Kavya Rao",
    "Laura Nilsson",
    "Mehmet Kaya",
    "Nora Quinn",
    "Oscar Duarte",
    "Paula Weiss",
    "Quentin Moreau",
    "Rosa Jimenez",
    "Samir Aziz",
    "Tessa Brooks",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MATH_STYLE_COMBOS = [
    ["mathjax"],
    ["script"],
    ["katex"],
    ["img"],
    ["mathjax", "mathml"],
    ["script", "katex"],
    ["katex", "mathml"],
    ["img", "mathjax"],
    ["script", "mathml"],
    ["img", "mathml"],
    ["katex", "img"],
    ["mathjax", "script"],
]


def _date(rng: random.Random) -> str:
    return f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2012, 2024)}"


def _page_intro(rng: random.Random, topic: dict) -> str:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    t, area = lower_title(topic["title"]), topic["area"]
    kind = S("note", "lesson", "article", "tutorial", "post", "guide", "write-up")
    k, m = rng.randint(2, 19), rng.randint(6, 25)
    return " ".join(
        [
            S(
                f"This {kind} is part {k} of our series on {area}.",
                f"If you have ever wondered how {t} works, you are in the right place.",
                f"Students usually meet {area} early, and {t} is one of the places where many of them get stuck.",
                f"We wrote this {kind} after {k} readers asked us about {t} in the comments.",
                f"Few subjects in {area} are as useful as {t}.",
                f"Below we develop {t} from scratch, writing out every computation.",
                f"Welcome back! Today's {kind} is about {t}.",
            ),
            S(
                "We start with the definitions, then work through examples with concrete numbers, and finish with exercises.",
                "The plan is simple: state the main facts, explain why they hold, and check them on examples.",
                "Every example uses specific numbers, so each step can be verified with pencil and paper.",
                f"Reading it takes about {m} minutes, and nothing beyond high school algebra is assumed.",
                "Along the way we point out the slips that appear most often in homework and exams.",
                "Rather than memorizing formulas, try to follow the reasoning behind each one.",
            ),
            S(
                "Grab a notebook and follow along.",
                f"Feel free to skip to section {rng.randint(2, 3)} if the definitions are familiar.",
                "Questions and corrections are always welcome.",
                f"Last revised on {_date(rng)}.",
                "A printable version is available on request.",
                "",
            ),
        ]
    )


def _page_closing(rng: random.Random, topic: dict) -> str:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    t, area = lower_title(topic["title"]), topic["area"]
    return " ".join(
        [
            S(
                f"That completes our tour of {t}.",
                f"We have now seen the main ideas of {t} in action.",
                f"This is where we stop for today, although {t} has many more applications.",
                f"With these tools you can handle most textbook questions on {t}.",
                "These ideas will come back again and again, so it pays to master them now.",
            ),
            S(
                "The best way to consolidate them is to solve the exercises without looking at the examples.",
                f"Next time we will connect this material with another chapter of {area}.",
                "Try to invent a variant of each example and solve it yourself.",
                f"Our next post continues with {rng.randint(2, 5)} further examples of increasing difficulty.",
                "If something remained unclear, reread the worked example slowly and redo each line.",
            ),
            S("Happy problem solving!", "Thanks for reading.", f"See you in part {rng.randint(3, 20)}.", "", ""),
        ]
    )


_RELATED_HEADS = ["Related topic: {t}", "See also: {t}", "Going further: {t}", "A connection: {t}", "Background: {t}"]
_CODE_INTROS = [
    "The following short script checks the computations above.",
    "You can verify the example with a few lines of Python:",
    "Here is a small program that reproduces the numbers.",
    "For readers who like to experiment, here is the same calculation in code.",
]


def compose_math_doc(
    rng: random.Random, topic: dict, related: dict | None, with_code: bool, min_words: int = 280
) -> dict:
    """A page-like document: byline, intro, main topic, optional code, related material, key points, exercises."""
    S = lambda *o: pick(rng, *o)  # noqa: E731
    b = Builder()
    b.p(S("By", "Written by", "Posted by") + f" {rng.choice(_AUTHORS)}, {_date(rng)}.")
    b.p(_page_intro(rng, topic))
    for heading, blocks in topic["sections"]:
        b.h(heading)
        b.blocks.extend(blocks)
    if with_code:
        b.p(rng.choice(_CODE_INTROS))
        b.code(topic["code"])
    if related is not None:
        b.h(rng.choice(_RELATED_HEADS).format(t=related["title"]))
        n_sec = rng.randint(1, 2)
        for heading, blocks in related["sections"][:n_sec]:
            b.h(heading, 3)
            b.blocks.extend(blocks)
    if rng.random() < 0.6:
        b.h(S("Key points", "Summary", "Takeaways", "In a nutshell"))
        b.ul(topic["summary"])
    if rng.random() < 0.6 or doc_words(b.blocks) < min_words:
        b.h(S("Exercises", "Practice problems", "Try it yourself", "Homework"))
        b.ul(topic["exercises"] + (related["exercises"][:1] if related else []), ordered=True)
    if doc_words(b.blocks) < min_words and related is not None:
        for heading, blocks in related["sections"][2:]:
            b.h(heading)
            b.blocks.extend(blocks)
    b.p(_page_closing(rng, topic))
    return {"title": topic["title"], "blocks": b.blocks, "area": topic["area"]}


_TITLE_POOL = sorted({fn(random.Random(s))["title"] for fn in TOPICS for s in range(3)})


def gen_web(rng: random.Random, n: dict[str, int], bench: list[dict]) -> list[dict]:
    """Unshuffled web records (key, text, metadata): math pages, off-topic, non-English, then duplicates."""
    records: list[dict] = []
    n_math = n["clean"] + n["contaminated"]
    topic_order: list = []
    while len(topic_order) < n_math:
        block = list(TOPICS)
        rng.shuffle(block)
        topic_order.extend(block)
    combos: list = []
    while len(combos) < n_math + n["offtopic"] + n["non_english"]:
        block = [list(c) for c in _MATH_STYLE_COMBOS]
        rng.shuffle(block)
        combos.extend(block)
    used_urls: set[str] = set()

    def url_for(site: dict, title: str) -> str:
        base = f"https://{site['domain']}/{site['path']}/{slug(title)}"
        url, k = base, 2
        while url in used_urls:
            url, k = f"{base}-{k}", k + 1
        used_urls.add(url)
        return url

    math_pages = []
    for j in range(n_math):
        fn = topic_order[j]
        topic = fn(rng)
        others = [t for t in TOPICS_BY_AREA[topic["area"]] if t is not fn]
        related = rng.choice(others)(rng) if rng.random() < 0.85 else None
        doc = compose_math_doc(rng, topic, related, with_code=rng.random() < 0.3)
        doc["sidebar"] = rng.sample(_TITLE_POOL, 4)
        site = rng.choice(MATH_SITES)
        page = {
            "doc": doc,
            "site": site,
            "styles": combos[j],
            "seed": rng.getrandbits(31),
            "lang": "en",
            "url": url_for(site, doc["title"]),
        }
        math_pages.append(page)

    cont_items = bench
    for j, page in enumerate(math_pages):
        label, extra_truth = "clean", {}
        if j >= n["clean"]:
            item = cont_items[(j - n["clean"]) % len(cont_items)]
            page["doc"] = contaminate_doc(rng, page["doc"], item)
            label = "contaminated"
            extra_truth = {"benchmark": "mini_gsm", "benchmark_item": item["id"]}
        text, math_truth = render_web_page(page["doc"], page["site"], page["styles"], page["seed"])
        page["key"] = f"math{j}"
        records.append(
            {
                "key": page["key"],
                "text": text,
                "metadata": {
                    "url": page["url"],
                    "truth": {
                        "label": label,
                        **extra_truth,
                        **math_truth,
                        "math_styles": page["styles"],
                        "topic": page["doc"]["title"],
                        "area": page["doc"]["area"],
                    },
                },
            }
        )

    for j in range(n["offtopic"]):
        fn = OFFTOPIC_GENERATORS[j % len(OFFTOPIC_GENERATORS)]
        title, sections = fn(rng)
        doc = prose_doc(rng, title, sections, f"By {rng.choice(_AUTHORS)}, {_date(rng)}.")
        doc["sidebar"] = rng.sample(OFFTOPIC_TITLES, 3)
        site = rng.choice(OFFTOPIC_SITES)
        text, _ = render_web_page(doc, site, ["mathjax"], rng.getrandbits(31))
        records.append(
            {"key": f"off{j}", "text": text, "metadata": {"url": url_for(site, title), "truth": {"label": "offtopic"}}}
        )

    langs = ["fr", "de", "es"]
    for j in range(n["non_english"]):
        lang = langs[j % 3]
        title, sections = NON_ENGLISH_PAGES[lang][(j // 3) % len(NON_ENGLISH_PAGES[lang])]
        day, month, year = rng.randint(1, 28), rng.choice(MONTHS_LANG[lang]), rng.randint(2014, 2024)
        date = {"fr": f"{day} {month} {year}", "de": f"{day}. {month} {year}", "es": f"{day} de {month} de {year}"}[
            lang
        ]
        doc = prose_doc(rng, title, sections, f"{BYLINE_WORD[lang]} {rng.choice(_AUTHORS)}, {date}.")
        doc["sidebar"] = []
        site = FOREIGN_SITES[lang]
        text, _ = render_web_page(doc, site, ["mathjax"], rng.getrandbits(31), lang=lang)
        records.append(
            {
                "key": f"lang{j}",
                "text": text,
                "metadata": {"url": url_for(site, title), "truth": {"label": "non_english", "language": lang}},
            }
        )

    clean_pages = math_pages[: n["clean"]]
    long_pages = sorted(clean_pages, key=lambda p: -doc_words(p["doc"]["blocks"]))[: max(n["near_dup"] * 3, 1)]
    near_src = pick_originals(rng, long_pages, n["near_dup"], [])
    exact_src = pick_originals(rng, clean_pages, n["exact_dup"], near_src)
    by_key = {r["key"]: r for r in records}
    for j, page in enumerate(exact_src):
        orig = by_key[page["key"]]
        url = page["url"] + pick(rng, "?utm_source=feed", "?ref=mirror", "#top", "?amp=1")
        truth = {**orig["metadata"]["truth"], "label": "exact_dup", "dup_of": page["key"]}
        records.append({"key": f"exact{j}", "text": orig["text"], "metadata": {"url": url, "truth": truth}})
    for j, page in enumerate(near_src):
        orig = by_key[page["key"]]
        new_doc, info = make_near_duplicate(rng, page["doc"])
        text, math_truth = render_web_page(new_doc, page["site"], page["styles"], page["seed"])
        url = page["url"].replace(f"/{page['site']['path']}/", f"/{page['site']['path']}/print/")
        truth = {**orig["metadata"]["truth"], **math_truth, "label": "near_dup", "dup_of": page["key"], "edit": info}
        records.append({"key": f"near{j}", "text": text, "metadata": {"url": url, "truth": truth}})
    return records
