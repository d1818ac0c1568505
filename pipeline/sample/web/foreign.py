"""Non-English web pages (French, German, Spanish) and their sites."""

from __future__ import annotations

FOREIGN_SITES = {
    "fr": {
        "name": "Le Coin des Idées",
        "domain": "coin-idees.example.fr",
        "path": "articles",
        "tagline": "Culture, cuisine et savoirs",
        "nav": ["Accueil", "Articles", "Cuisine", "Voyages", "Contact"],
        "layout": "main-article",
        "aside": "À lire aussi",
        "footer": ["Mentions légales", "Confidentialité", "Nous écrire"],
        "cookie": "Ce site utilise des cookies pour améliorer votre expérience. En poursuivant, vous acceptez leur utilisation.",
    },
    "de": {
        "name": "Wissenswerkstatt",
        "domain": "wissenswerkstatt.example.de",
        "path": "beitraege",
        "tagline": "Lesen, lernen, staunen",
        "nav": ["Startseite", "Beiträge", "Reisen", "Sport", "Kontakt"],
        "layout": "main",
        "aside": "Weitere Beiträge",
        "footer": ["Impressum", "Datenschutz", "Kontakt"],
        "cookie": "Diese Website verwendet Cookies. Wenn Sie weitersurfen, stimmen Sie der Nutzung zu.",
    },
    "es": {
        "name": "Rincón del Saber",
        "domain": "rincon-saber.example.es",
        "path": "articulos",
        "tagline": "Ideas para aprender cada día",
        "nav": ["Inicio", "Artículos", "Recetas", "Viajes", "Contacto"],
        "layout": "article",
        "aside": "Más artículos",
        "footer": ["Aviso legal", "Privacidad", "Contacto"],
        "cookie": "Utilizamos cookies propias y de terceros. Si continúa navegando, acepta su uso.",
    },
}


NON_ENGLISH_PAGES = {
    "fr": [
        (
            "Une balade gourmande dans le vieux Lyon",
            [
                (
                    "Les traboules",
                    [
                        "Le vieux Lyon se découvre à pied, en passant par les traboules, ces passages secrets qui relient les rues entre elles.",
                        "Au détour d'une cour, on aperçoit des escaliers en colimaçon et des façades Renaissance aux couleurs chaudes.",
                        "Le matin, le quartier est calme et les habitants nous saluent en allant chercher leur pain.",
                    ],
                ),
                (
                    "À table",
                    [
                        "Impossible de quitter la ville sans s'arrêter dans un bouchon pour goûter la cuisine lyonnaise traditionnelle.",
                        "Le patron nous a conseillé une salade de lentilles, puis une quenelle dorée servie avec une sauce onctueuse.",
                        "Pour finir, une tarte aux pralines rouges, sucrée et croquante, a conquis toute la tablée.",
                    ],
                ),
            ],
        ),
        (
            "Le théorème de Pythagore expliqué simplement",
            [
                (
                    "L'énoncé",
                    [
                        "Dans un triangle rectangle, le carré de l'hypoténuse est égal à la somme des carrés des deux autres côtés.",
                        "On l'écrit souvent sous la forme a² + b² = c², où c désigne le côté opposé à l'angle droit.",
                        "Par exemple, un triangle dont les côtés mesurent trois et quatre centimètres possède une hypoténuse de cinq centimètres.",
                    ],
                ),
                (
                    "À quoi sert-il ?",
                    [
                        "Les maçons l'utilisent depuis des siècles pour vérifier qu'un angle est bien droit.",
                        "Il permet aussi de calculer la distance entre deux points d'un plan lorsqu'on connaît leurs coordonnées.",
                        "Les élèves le rencontrent au collège, et il les accompagne ensuite pendant toute leur scolarité.",
                    ],
                ),
            ],
        ),
        (
            "Cinq conseils pour bien dormir",
            [
                (
                    "Un rythme régulier",
                    [
                        "Se coucher et se lever à heure fixe aide l'organisme à trouver son équilibre, même le week-end.",
                        "Une courte promenade au soleil le matin permet de régler l'horloge interne.",
                        "Il vaut mieux éviter les siestes trop longues en fin d'après-midi.",
                    ],
                ),
                (
                    "Une chambre apaisante",
                    [
                        "La chambre doit rester fraîche, sombre et silencieuse, sans écrans allumés.",
                        "Lire quelques pages d'un roman ou écouter une musique douce prépare l'esprit au repos.",
                        "Enfin, le café et les repas copieux sont à éviter le soir, car ils retardent l'endormissement.",
                    ],
                ),
            ],
        ),
    ],
    "de": [
        (
            "Wandern im Allgäu: Eine Tour für die ganze Familie",
            [
                (
                    "Der Aufstieg",
                    [
                        "Früh am Morgen brechen wir vom kleinen Parkplatz am Waldrand auf, während über den Wiesen noch Nebel liegt.",
                        "Der Weg führt zunächst gemütlich an einem Bach entlang und wird dann allmählich steiler.",
                        "Nach gut zwei Stunden erreichen wir die Hütte, wo es frische Buttermilch und Apfelstrudel gibt.",
                    ],
                ),
                (
                    "Der Gipfel",
                    [
                        "Vom Gipfelkreuz aus sieht man bei klarem Wetter bis zum Bodensee und zu den Schweizer Bergen.",
                        "Die Kinder sammeln Steine, während wir die Brotzeit auspacken und die Aussicht genießen.",
                        "Für den Abstieg sollte man gutes Schuhwerk tragen, denn der Pfad ist nach Regen oft rutschig.",
                    ],
                ),
            ],
        ),
        (
            "Primzahlen: Die Bausteine der Zahlen",
            [
                (
                    "Was ist eine Primzahl?",
                    [
                        "Eine Primzahl ist eine natürliche Zahl größer als eins, die nur durch eins und durch sich selbst teilbar ist.",
                        "Die ersten Primzahlen sind zwei, drei, fünf, sieben und elf.",
                        "Schon Euklid bewies vor mehr als zweitausend Jahren, dass es unendlich viele Primzahlen gibt.",
                    ],
                ),
                (
                    "Warum sind sie wichtig?",
                    [
                        "Jede natürliche Zahl lässt sich auf genau eine Weise als Produkt von Primzahlen schreiben, zum Beispiel 60 = 2 · 2 · 3 · 5.",
                        "Moderne Verschlüsselungsverfahren beruhen darauf, dass es sehr schwierig ist, große Zahlen in ihre Primfaktoren zu zerlegen.",
                        "Deshalb schützen Primzahlen heute jeden Tag unsere Bankgeschäfte und Nachrichten im Internet.",
                    ],
                ),
            ],
        ),
        (
            "Ein spannender Abend im Stadion",
            [
                (
                    "Vor dem Anpfiff",
                    [
                        "Schon Stunden vor dem Spiel füllten sich die Straßen rund um das Stadion mit Fans in den Vereinsfarben.",
                        "Die Stimmung war ausgelassen, überall wurde gesungen und gelacht.",
                        "Als die Mannschaften aufliefen, hielten die Zuschauer eine riesige Choreografie in die Höhe.",
                    ],
                ),
                (
                    "Das Spiel",
                    [
                        "Die Gastgeber begannen schwungvoll und gingen nach einer schönen Kombination verdient in Führung.",
                        "Nach der Pause drängten die Gäste auf den Ausgleich, doch der Torwart hielt mit mehreren Paraden den Sieg fest.",
                        "Nach dem Schlusspfiff feierten Spieler und Fans gemeinsam noch lange vor der Kurve.",
                    ],
                ),
            ],
        ),
    ],
    "es": [
        (
            "Cómo preparar una paella valenciana en casa",
            [
                (
                    "Los ingredientes",
                    [
                        "La paella valenciana tradicional lleva pollo, conejo, judías verdes, garrofón, tomate, azafrán y arroz de grano redondo.",
                        "Es importante usar una paellera amplia y poco profunda para que el arroz se cocine de manera uniforme.",
                        "El aceite de oliva de buena calidad marca la diferencia en el sabor final.",
                    ],
                ),
                (
                    "La preparación",
                    [
                        "Primero se dora la carne a fuego medio y después se añaden las verduras y el tomate rallado.",
                        "Cuando el sofrito está listo, se agrega el agua, el azafrán y una pizca de sal, y se deja hervir unos minutos.",
                        "Por último se reparte el arroz y ya no se remueve, para que se forme el famoso socarrat en el fondo.",
                    ],
                ),
            ],
        ),
        (
            "Las ecuaciones de segundo grado sin miedo",
            [
                (
                    "Qué son",
                    [
                        "Una ecuación de segundo grado tiene la forma ax² + bx + c = 0, donde a no puede ser cero.",
                        "Para resolverla se utiliza una fórmula general que depende de los coeficientes a, b y c.",
                        "El número b² − 4ac, llamado discriminante, indica cuántas soluciones reales tiene la ecuación.",
                    ],
                ),
                (
                    "Un ejemplo",
                    [
                        "Consideremos la ecuación x² − 5x + 6 = 0, cuyas soluciones son x = 2 y x = 3.",
                        "Se puede comprobar el resultado sustituyendo cada valor en la ecuación original.",
                        "Con un poco de práctica, los estudiantes aprenden a factorizar rápidamente este tipo de expresiones.",
                    ],
                ),
            ],
        ),
        (
            "Un fin de semana en Granada",
            [
                (
                    "La Alhambra",
                    [
                        "Nuestra visita comenzó temprano en la Alhambra, con las entradas compradas varias semanas antes.",
                        "Los patios, las fuentes y los azulejos nos dejaron sin palabras durante toda la mañana.",
                        "Desde los jardines del Generalife se disfruta de una vista preciosa sobre el barrio del Albaicín.",
                    ],
                ),
                (
                    "Tapas y atardeceres",
                    [
                        "Por la tarde recorrimos las calles estrechas del Albaicín hasta el mirador de San Nicolás.",
                        "Allí, músicos callejeros tocaban la guitarra mientras el sol se ponía detrás de las torres.",
                        "La noche terminó en un bar pequeño donde cada bebida venía acompañada de una tapa generosa.",
                    ],
                ),
            ],
        ),
    ],
}
BYLINE_WORD = {"fr": "Par", "de": "Von", "es": "Por"}
MONTHS_LANG = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
