"""Off-topic web pages (no math): cooking, travel, sport, reviews and so on, with their general-interest sites."""

from __future__ import annotations

import random

from pipeline.sample.text import title_case


def _off_cooking(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    dish = rng.choice(
        [
            "lemon and pea risotto",
            "roasted tomato soup",
            "mushroom stroganoff",
            "chickpea curry",
            "baked salmon with herbs",
        ]
    )
    herb = rng.choice(["thyme", "basil", "parsley", "coriander", "dill"])
    return (
        f"Weeknight Dinner: {title_case(dish)}",
        [
            (
                "Why this recipe works",
                [
                    f"There are few dinners as comforting as a good {dish}, and this version is ready before the evening news starts.",
                    "The trick is patience at the beginning: let the onions soften slowly until they turn sweet and golden instead of rushing them over high heat.",
                    f"Fresh {herb} at the very end brightens everything, so do not be tempted to add it too early.",
                ],
            ),
            (
                "Method",
                [
                    "Warm a generous splash of olive oil in a heavy pan, add the chopped onion with a pinch of salt and stir now and then.",
                    "Once the kitchen smells wonderful, add the garlic and cook it briefly, because burnt garlic turns bitter very quickly.",
                    "Stir in the remaining ingredients, lower the heat, cover the pan and let it simmer gently while you lay the table.",
                    f"Taste, adjust the seasoning with lemon juice and black pepper, scatter over the {herb} and serve straight away.",
                ],
            ),
            (
                "Serving ideas",
                [
                    "Crusty bread or a simple green salad with a sharp mustard dressing makes this a complete meal.",
                    "Leftovers keep well in the fridge and taste even better the next day, when the flavours have had time to mingle.",
                ],
            ),
        ],
    )


def _off_travel(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    city = rng.choice(["Lisbon", "Kyoto", "Edinburgh", "Valparaiso", "Ljubljana", "Porto"])
    return (
        f"A Slow Weekend in {city}",
        [
            (
                "Arriving",
                [
                    f"We arrived in {city} on a grey morning, but by lunchtime the clouds had lifted and the old town was glowing.",
                    "Our guesthouse was tucked away on a quiet side street, close enough to everything and far enough from the crowds.",
                    "The owner greeted us with coffee and a hand-drawn map covered in her favourite bakeries.",
                ],
            ),
            (
                "What we loved",
                [
                    "Walking without a plan turned out to be the best decision of the trip; every corner seemed to hide a tiny courtyard or a tiled staircase.",
                    "The covered market is worth a visit early in the day, when the stalls are piled high with fruit, cheese and flowers.",
                    "In the evening we followed the sound of music to a small bar where locals were singing along to songs we did not know.",
                ],
            ),
            (
                "Practical tips",
                [
                    "Comfortable shoes are essential, since the streets are steep and the cobblestones can be slippery after rain.",
                    "Public transport is cheap and reliable, and a day pass saves a lot of queuing at ticket machines.",
                    f"If you only have one afternoon, skip the shopping streets and head for the viewpoints above {city} at sunset.",
                ],
            ),
        ],
    )


def _off_football(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    home, away = rng.sample(
        ["Riverside Rovers", "Northgate United", "Harbour City", "Old Mill Athletic", "Westbrook Wanderers"], 2
    )
    return (
        f"Match Report: {home} Edge Past {away}",
        [
            (
                "A tense first half",
                [
                    f"{home} started nervously in front of a packed home crowd, and {away} nearly took the lead inside the opening minutes.",
                    "The visiting striker rattled the crossbar with a curling shot that left the goalkeeper rooted to the spot.",
                    "Slowly the hosts found their rhythm, pressing high and winning the ball back in midfield again and again.",
                ],
            ),
            (
                "The decisive moment",
                [
                    "Shortly after the break the captain picked out the winger with a sweeping pass, and the low cross was turned in at the near post.",
                    f"{away} threw everything forward in the closing stages, but the home defence held firm through a long spell of stoppage time.",
                    "When the final whistle blew, the players sank to the grass while the stands erupted.",
                ],
            ),
            (
                "What the managers said",
                [
                    "The home manager praised the spirit of his young squad and admitted that the team had ridden its luck at times.",
                    "His opposite number was frustrated with the finishing but proud of the performance, insisting that the season is far from over.",
                ],
            ),
        ],
    )


def _off_tennis(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    p1, p2 = rng.sample(["Lena Varga", "Tomas Ibarra", "Mia Fontaine", "Kai Andersen", "Sara Novak"], 2)
    return (
        f"{p1} Battles Through to the Final",
        [
            (
                "A marathon on centre court",
                [
                    f"{p1} needed more than three hours and every ounce of energy to overcome {p2} in a gripping semifinal.",
                    "Both players traded powerful baseline rallies under the afternoon sun, and neither gave an inch in the long, nervy decider.",
                    f"The crowd was firmly behind {p2}, who saved several match points with daring drop shots and volleys.",
                ],
            ),
            (
                "Turning the tide",
                [
                    "After a slow start, the champion changed tactics, taking the ball earlier and attacking the net whenever she could.",
                    "A brilliant backhand passing shot in the tiebreak proved to be the turning point of the match.",
                    "Afterwards she thanked her coach and her family and said she was looking forward to a long rest before the final.",
                ],
            ),
        ],
    )


def _off_celebrity(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    star = rng.choice(
        ["actress Mira Castell", "singer Jonah Reyes", "director Aline Moreau", "television host Dev Patel-Sloane"]
    )
    place = rng.choice(
        ["a vineyard in the hills", "a lakeside castle", "a rooftop garden downtown", "a tiny island chapel"]
    )
    return (
        f"Inside the Surprise Wedding of {star.split(' ', 1)[1]}",
        [
            (
                "A secret ceremony",
                [
                    f"Fans were stunned this weekend when {star} shared photos from a private wedding held at {place}.",
                    "Only close friends and family were invited, and guests were asked to leave their phones at the door.",
                    "According to people who attended, the couple wrote their own vows and the ceremony ended with a spontaneous dance.",
                ],
            ),
            (
                "The dress and the details",
                [
                    "The outfit, designed by a longtime friend, was simple and elegant, with long sleeves and delicate embroidery.",
                    "Tables were decorated with wild flowers and candles, and the dinner featured dishes from both families' home regions.",
                    "Social media was soon flooded with congratulations from colleagues, fans and even a few former rivals.",
                ],
            ),
        ],
    )


def _off_headphones(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    product = rng.choice(["Aurora X2 wireless headphones", "Nimbus Pro earbuds", "Cobalt Studio over-ear headset"])
    return (
        f"Review: {product}",
        [
            (
                "Design and comfort",
                [
                    f"The {product} look understated, with a matte finish that resists fingerprints and a soft carrying case.",
                    "After a full working day of calls and music they still felt comfortable, although the headband gets a little warm in summer.",
                    "The controls are sensible, but it took us a few days to stop pausing the music by accident.",
                ],
            ),
            (
                "Sound and battery",
                [
                    "Sound quality is warm and detailed, with punchy bass that never drowns out vocals.",
                    "Noise cancelling does a good job on trains and in open offices, though it struggles a little with sudden loud voices.",
                    "Battery life comfortably lasted a long week of commuting before we needed to charge them.",
                ],
            ),
            (
                "Verdict",
                [
                    "They are not the cheapest option on the market, but for most listeners they hit a sweet spot between comfort, sound and price.",
                    "We would happily recommend them to anyone who spends long days with headphones on.",
                ],
            ),
        ],
    )


def _off_vacuum(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    brand = rng.choice(["Tidy Bot S7", "Breeze Clean Max", "Homely Robo Plus"])
    return (
        f"We Lived with the {brand} Robot Vacuum for a Month",
        [
            (
                "Setting it up",
                [
                    f"Unboxing the {brand} was painless, and the companion app guided us through connecting it to the home network.",
                    "On its first run it carefully mapped every room, bumping gently into chair legs and learning where the rugs were.",
                    "Within a couple of days it had a complete floor plan and we could send it to clean just the kitchen after dinner.",
                ],
            ),
            (
                "Everyday life",
                [
                    "It copes well with crumbs, dust and pet hair, and the self-emptying dock means we rarely have to touch the bin.",
                    "Thick rugs and tangled charging cables remain its natural enemies, so a quick tidy before each run helps a lot.",
                    "The cat was suspicious at first but now rides on top of it like a tiny captain.",
                ],
            ),
            (
                "Should you buy it?",
                [
                    "If you hate vacuuming and have mostly hard floors, it is a small luxury that quietly gives you back time every week.",
                    "Households with deep carpets may prefer a traditional upright cleaner for the occasional thorough session.",
                ],
            ),
        ],
    )


def _off_gardening(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    plant = rng.choice(["tomatoes", "sweet peas", "runner beans", "dahlias", "strawberries"])
    return (
        f"Growing {title_case(plant)} on a Small Balcony",
        [
            (
                "Choosing containers",
                [
                    f"You do not need a large garden to enjoy homegrown {plant}; a sunny balcony and a few deep pots are enough.",
                    "Pick containers with drainage holes and fill them with good compost mixed with a handful of grit.",
                    "Place them where they get at least six hours of sunshine, ideally sheltered from strong wind.",
                ],
            ),
            (
                "Care through the season",
                [
                    "Water deeply in the morning rather than sprinkling a little every evening, which encourages sturdier plants.",
                    "Feed every couple of weeks once the first flowers appear, and pinch out any weak or damaged shoots.",
                    "Keep an eye out for aphids and snails, and rinse leaves gently with soapy water if pests appear.",
                ],
            ),
            (
                "Harvest",
                [
                    f"Nothing beats the taste of {plant} picked on a warm afternoon and eaten right away.",
                    "Share the surplus with neighbours, and save a few seeds from the healthiest plants for next spring.",
                ],
            ),
        ],
    )


def _off_dogs(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    name = rng.choice(["Biscuit", "Luna", "Pepper", "Otis", "Maple"])
    return (
        f"What Adopting {name} Taught Us About Patience",
        [
            (
                "The first weeks",
                [
                    f"When we brought {name} home from the shelter, she hid under the kitchen table and refused to come out for two whole days.",
                    "We learned to sit quietly on the floor with a book, letting her approach at her own pace.",
                    "Little by little, the trembling stopped, and one morning she brought us her favourite squeaky toy.",
                ],
            ),
            (
                "Building routines",
                [
                    "Regular walks at the same time each day gave her a sense of security and helped with house training.",
                    "Short, cheerful training sessions with plenty of treats worked far better than long lessons.",
                    "We also discovered that she loves puzzle feeders, which keep her busy when we are working.",
                ],
            ),
            (
                "Advice for new owners",
                [
                    "Every rescue dog has a story, and some need much more time than others to trust people again.",
                    "Talk to the shelter staff, ask about habits and fears, and be ready to celebrate the small victories.",
                ],
            ),
        ],
    )


def _off_film(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    film = rng.choice(["The Quiet Lighthouse", "Northern Lights Hotel", "A Summer in Blue", "The Last Ferry"])
    return (
        f"Red Carpet Night: The Premiere of {film}",
        [
            (
                "Stars arrive",
                [
                    f"The premiere of {film} drew a glamorous crowd to the historic cinema downtown on Thursday evening.",
                    "Photographers jostled for the best spot as the cast arrived, waving to fans who had waited behind the barriers since the afternoon.",
                    "The lead actor stopped to sign autographs and take selfies, delighting a group of students at the front.",
                ],
            ),
            (
                "First reactions",
                [
                    "Early reviews praise the film's gentle humour, its sweeping landscapes and a memorable soundtrack.",
                    "Several critics singled out the young supporting actress as a breakout talent to watch.",
                    "The director thanked the small coastal town where most of the story was shot and invited its residents to a special screening.",
                ],
            ),
        ],
    )


def _off_running(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    race = rng.choice(["half marathon", "trail race", "city fun run"])
    return (
        f"Training for Your First {title_case(race)}",
        [
            (
                "Getting started",
                [
                    f"Signing up for a {race} is a wonderful motivation to get out of the door on cold mornings.",
                    "Begin gently, alternating walking and running, and increase your time on your feet gradually from week to week.",
                    "Invest in a pair of well fitting running shoes from a specialist shop where staff can watch you run.",
                ],
            ),
            (
                "Staying healthy",
                [
                    "Rest days are part of the plan, not a sign of weakness; muscles grow stronger while you recover.",
                    "Drink water regularly, eat a balanced breakfast and get enough sleep in the final week before the event.",
                    "On race day, start slower than you feel like starting and enjoy the atmosphere along the course.",
                ],
            ),
        ],
    )


def _off_coffee(rng: random.Random) -> tuple[str, list[tuple[str, list[str]]]]:
    origin = rng.choice(["Ethiopian", "Colombian", "Guatemalan", "Kenyan"])
    return (
        f"Brewing Better Coffee at Home with {origin} Beans",
        [
            (
                "Start with fresh beans",
                [
                    f"{origin} beans are prized for their bright, fruity character, but only when they are freshly roasted.",
                    "Buy small bags from a local roaster and store them in an airtight tin away from light and heat.",
                    "Grinding just before brewing makes a bigger difference than almost any expensive gadget.",
                ],
            ),
            (
                "Dialling in",
                [
                    "A pour-over cone rewards a slow, steady pour and a medium fine grind, while a French press prefers a coarse grind.",
                    "Water just off the boil extracts the sweetness without scorching the delicate aromas.",
                    "Keep notes on what you try, and change only one thing at a time until the cup tastes right to you.",
                ],
            ),
        ],
    )


OFFTOPIC_GENERATORS = [
    _off_cooking,
    _off_travel,
    _off_football,
    _off_tennis,
    _off_celebrity,
    _off_headphones,
    _off_vacuum,
    _off_gardening,
    _off_dogs,
    _off_film,
    _off_running,
    _off_coffee,
]


OFFTOPIC_SITES = [
    {
        "name": "Daily Brightside",
        "domain": "dailybrightside.example.com",
        "path": "life",
        "tagline": "Good news, good food, good days",
        "nav": ["Home", "Food", "Travel", "Home and garden", "Pets"],
        "layout": "main-article",
        "aside": "You may also like",
        "footer": ["About", "Privacy", "Advertise", "Contact"],
        "cookie": "We use cookies to improve your experience and show relevant adverts. Accept to continue.",
    },
    {
        "name": "The Weekend Post",
        "domain": "weekendpost.example.net",
        "path": "news",
        "tagline": "Sport, culture and people",
        "nav": ["News", "Sport", "Culture", "People", "Opinion", "Subscribe"],
        "layout": "article",
        "aside": "Most read",
        "footer": ["Terms", "Privacy", "Corrections", "Careers"],
        "cookie": "Cookies keep this site running. Manage your consent or accept all.",
    },
    {
        "name": "Gadget Bench",
        "domain": "gadgetbench.example.com",
        "path": "reviews",
        "tagline": "Honest reviews of everyday tech",
        "nav": ["Reviews", "Deals", "Guides", "Newsletter"],
        "layout": "main",
        "aside": "Latest reviews",
        "footer": ["How we test", "Affiliate disclosure", "Privacy"],
        "cookie": "We use cookies and similar technologies for analytics and affiliate tracking.",
    },
]
OFFTOPIC_TITLES = [
    "Ten Easy Soups for Cold Evenings",
    "Packing Light for a Long Trip",
    "The Best Picnic Spots in Town",
    "Our Favourite Podcasts This Month",
    "How to Keep Houseplants Alive",
    "Five Board Games for Family Night",
]
