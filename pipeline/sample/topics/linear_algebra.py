"""Linear algebra topics: determinants, eigenvalues, matrix multiplication and vectors."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipeline.sample.document import Builder, make_topic
from pipeline.sample.text import num, paren, pick, poly


def _mat(rows: list[list], env: str = "pmatrix") -> str:
    body = " \\\\ ".join(" & ".join(num(v) for v in row) for row in rows)
    return f"\\begin{{{env}}} {body} \\end{{{env}}}"


def _matmul(A: list[list[int]], B: list[list[int]]) -> list[list[int]]:
    return [[sum(A[i][k] * B[k][j] for k in range(len(B))) for j in range(len(B[0]))] for i in range(len(A))]


def topic_determinant(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        a, b, c, d = (rng.randint(-5, 9) for _ in range(4))
        det = a * d - b * c
        if det not in (0,) and abs(det) <= 12:
            break
    inv = [[Fraction(d, det), Fraction(-b, det)], [Fraction(-c, det), Fraction(a, det)]]
    M3 = [[rng.randint(-3, 5) for _ in range(3)] for _ in range(3)]
    m = M3
    minors = [
        m[1][1] * m[2][2] - m[1][2] * m[2][1],
        m[1][0] * m[2][2] - m[1][2] * m[2][0],
        m[1][0] * m[2][1] - m[1][1] * m[2][0],
    ]
    det3 = m[0][0] * minors[0] - m[0][1] * minors[1] + m[0][2] * minors[2]
    title = S(
        "Determinants and Inverse Matrices",
        "Inverting a 2 by 2 Matrix",
        "Determinants: Definition and Properties",
        "Cofactor Expansion of Determinants",
        "When Is a Matrix Invertible?",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The determinant of a square matrix is a number that tells whether the matrix is invertible and how the corresponding linear map scales volumes.",
            "Determinants measure signed area or volume: the image of the unit square under a linear map has area equal to the absolute value of the determinant.",
            "Every square matrix has a determinant, and a matrix can be inverted exactly when its determinant is nonzero.",
        ),
        S(r"For a $2 \times 2$ matrix the definition is short:", r"In the $2 \times 2$ case the formula reads"),
    )
    s1.d(r"\det \begin{pmatrix} a & b \\ c & d \end{pmatrix} = ad - bc")
    s1.p(
        S(
            r"When $ad - bc \neq 0$ the inverse is obtained by swapping the diagonal entries, negating the others and dividing by the determinant.",
            r"If $ad - bc \neq 0$, the inverse is $\frac{1}{ad - bc}$ times the matrix with $a$ and $d$ exchanged and $b$, $c$ negated.",
        )
    )
    s2 = Builder()
    A = [[a, b], [c, d]]
    s2.p(
        S(f"Let $A = {_mat(A)}$.", f"Take the matrix $A = {_mat(A)}$."),
        f"Then $\\det A = {a} \\cdot {paren(d)} - {paren(b)} \\cdot {paren(c)} = {det}$, so $A$ is invertible and",
    )
    s2.d(f"A^{{-1}} = {_mat(inv)}")
    s2.p(
        S(
            "Multiplying back gives the identity matrix, which is the easiest way to check the computation.",
            "A quick multiplication confirms that the product with A is the identity.",
        )
    )
    s3 = Builder()
    s3.p(
        S(
            "Larger determinants are computed by cofactor expansion along a row.",
            "For three by three matrices expand along the first row:",
        ),
        f"For $B = {_mat(M3)}$ the expansion gives ${m[0][0]} \\cdot {paren(minors[0])} - {paren(m[0][1])} \\cdot {paren(minors[1])} + {paren(m[0][2])} \\cdot {paren(minors[2])} = {det3}$.",
        S(
            r"The determinant is multiplicative, $\det(AB) = \det A \det B$, and it changes sign when two rows are exchanged.",
            r"Row operations change determinants in a controlled way, and $\det(AB) = \det(A)\det(B)$ holds for all square matrices.",
        ),
        "Gaussian elimination is therefore the efficient way to compute large determinants."
        if det3
        else "Since this determinant vanishes, the rows of B are linearly dependent.",
    )
    heads = [
        S("Definition", "Determinants", "Invertibility"),
        S("Inverse of a 2 by 2 matrix", "Worked example", "Computing an inverse"),
        S("Cofactor expansion", "Larger matrices", "Properties"),
    ]
    ex = [
        f"Compute the determinant of ${_mat([[rng.randint(1, 9), rng.randint(1, 9)], [rng.randint(1, 9), rng.randint(1, 9)]])}$.",
        f"For which $t$ is ${_mat([[1, 't'], [rng.randint(2, 6), rng.randint(7, 12)]])}$ singular?",
        "Show that the determinant of an orthogonal matrix is $1$ or $-1$.",
    ]
    summary = [
        S(r"$\det A \neq 0$ exactly when $A$ is invertible.", "A nonzero determinant means an invertible matrix."),
        S("Swap, negate, divide: the inverse of a 2 by 2 matrix.", "The 2 by 2 inverse has a closed formula."),
        S("Determinants are multiplicative.", "Cofactor expansion reduces the size of determinants."),
    ]
    code = f"import sympy as sp\n\nA = sp.Matrix({A})\nprint(A.det(), A.inv())  # {det}\nprint(sp.Matrix({M3}).det())  # {det3}\n"
    return make_topic(
        "linear algebra",
        title,
        [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)],
        summary,
        ex,
        code,
    )


def topic_eigen(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    l1, l2 = rng.sample([v for v in range(-4, 8) if v], 2)
    p, q, r, s = rng.choice(
        [(1, 1, 1, 2), (1, 2, 1, 3), (2, 1, 1, 1), (1, 1, 0, 1), (3, 2, 1, 1), (1, 0, 1, 1), (2, 3, 1, 2)]
    )
    A = [[p * s * l1 - q * r * l2, -p * q * l1 + p * q * l2], [r * s * l1 - r * s * l2, -q * r * l1 + p * s * l2]]
    tr, det = l1 + l2, l1 * l2
    charp = poly([1, -tr, det], var="\\lambda")
    k = rng.randint(3, 12)
    title = S(
        "Eigenvalues and Eigenvectors",
        "Diagonalizing a 2 by 2 Matrix",
        "The Characteristic Polynomial",
        "Eigenvalues: Computation and Meaning",
        "Powers of Matrices via Eigenvalues",
    )
    s1 = Builder()
    s1.p(
        S(
            r"A nonzero vector $v$ is an eigenvector of a square matrix $A$ if $Av = \lambda v$ for some scalar $\lambda$, the eigenvalue.",
            r"Eigenvectors are the directions that a linear map only stretches: $Av = \lambda v$ with $v \neq 0$.",
            "Eigenvalues reveal the intrinsic behaviour of a linear map, independent of the chosen coordinates.",
        ),
        S(
            r"Since $(A - \lambda I)v = 0$ must have a nonzero solution, the eigenvalues are the roots of the characteristic polynomial $\det(A - \lambda I)$.",
            r"The condition is that $A - \lambda I$ is singular, so the eigenvalues solve $\det(A - \lambda I) = 0$.",
        ),
        S(
            r"For a $2 \times 2$ matrix this polynomial is $\lambda^2 - (\operatorname{tr} A)\lambda + \det A$.",
            r"In two dimensions it equals $\lambda^2 - \operatorname{tr}(A)\lambda + \det(A)$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(f"Let $A = {_mat(A)}$.", f"Consider the matrix $A = {_mat(A)}$."),
        f"Its trace is ${tr}$ and its determinant is ${det}$, so the characteristic polynomial is ${charp}$,",
        f"whose roots are $\\lambda_1 = {l1}$ and $\\lambda_2 = {l2}$.",
        f"Solving $(A - \\lambda I)v = 0$ gives the eigenvectors $v_1 = ({p}, {r})^T$ and $v_2 = ({q}, {s})^T$.",
        S("It is easy to verify them by multiplying.", "Multiplying A by each vector confirms the result."),
    )
    s3 = Builder()
    s3.p(
        S(
            "With the eigenvectors as columns of $P$ we get $A = PDP^{-1}$ with $D$ diagonal.",
            "Because the eigenvalues are distinct, the eigenvectors form a basis and A is diagonalizable.",
        ),
        S("Powers become easy:", "This makes powers of A cheap to compute:"),
    )
    s3.d(
        f"A^{{{k}}} = P \\begin{{pmatrix}} {paren(l1)}^{{{k}}} & 0 \\\\ 0 & {paren(l2)}^{{{k}}} \\end{{pmatrix}} P^{{-1}}"
    )
    s3.p(
        S(
            "The same idea solves linear recurrences and systems of linear differential equations.",
            "Diagonalization is the standard way to solve linear recurrences such as the Fibonacci recurrence.",
        )
    )
    heads = [
        S("Definitions", "Eigenvalues", "The characteristic polynomial"),
        S("A worked example", "Computing eigenvectors", "Example"),
        S("Diagonalization", "Matrix powers", "Applications"),
    ]
    ex = [
        f"Find the eigenvalues of ${_mat([[rng.randint(1, 6), rng.randint(1, 4)], [0, rng.randint(-3, 5)]])}$.",
        "Show that a matrix and its transpose have the same eigenvalues.",
        f"Diagonalize ${_mat([[2, 1], [1, 2]])}$ and compute its ${rng.randint(5, 10)}$-th power.",
    ]
    summary = [
        S(r"Eigenvalues are roots of $\det(A - \lambda I)$.", "Eigenvectors are directions fixed by the map."),
        S(
            "Trace and determinant determine the 2 by 2 characteristic polynomial.",
            "The trace is the sum of the eigenvalues.",
        ),
        S("Distinct eigenvalues imply diagonalizability.", "Diagonalization turns powers into powers of numbers."),
    ]
    code = f"import sympy as sp\n\nA = sp.Matrix({A})\nprint(A.eigenvals())  # {{{l1}: 1, {l2}: 1}}\nprint(A.eigenvects())\n"
    return make_topic(
        "linear algebra",
        title,
        [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)],
        summary,
        ex,
        code,
    )


def topic_matmul(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        A = [[rng.randint(-3, 5) for _ in range(2)] for _ in range(2)]
        B = [[rng.randint(-3, 5) for _ in range(2)] for _ in range(2)]
        AB, BA = _matmul(A, B), _matmul(B, A)
        if AB != BA:
            break
    v = [rng.randint(-5, 6), rng.randint(-5, 6)]
    Av = [A[0][0] * v[0] + A[0][1] * v[1], A[1][0] * v[0] + A[1][1] * v[1]]
    title = S(
        "Matrix Multiplication and Linear Maps",
        "Why Matrix Multiplication Is Not Commutative",
        "Composing Linear Transformations",
        "Matrices as Linear Transformations",
        "Rotations, Reflections and Matrix Products",
    )
    s1 = Builder()
    s1.p(
        S(
            "A matrix encodes a linear map: its columns are the images of the standard basis vectors.",
            "Matrices are more than tables of numbers; each one represents a linear transformation.",
            r"An $m \times n$ matrix sends vectors of $\mathbb{R}^n$ to vectors of $\mathbb{R}^m$ linearly.",
        ),
        S(
            r"The product is defined so that applying $B$ and then $A$ is the same as applying $AB$, which gives the entry formula $(AB)_{ij} = \sum_k a_{ik} b_{kj}$.",
            r"Matrix multiplication corresponds to composition of maps, and entrywise it reads $(AB)_{ij} = \sum_k a_{ik} b_{kj}$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(f"Let $A = {_mat(A)}$ and $B = {_mat(B)}$.", f"Take $A = {_mat(A)}$ together with $B = {_mat(B)}$."),
        f"Row times column gives $AB = {_mat(AB)}$, while $BA = {_mat(BA)}$.",
        S(
            "The two products differ, so the order of the factors matters.",
            "Composition of maps is not commutative, and neither is the matrix product.",
        ),
    )
    s2.p(
        f"Applied to $v = ({v[0]}, {v[1]})^T$ the matrix $A$ gives $Av = ({Av[0]}, {Av[1]})^T$.",
        S(
            "Each coordinate is a dot product of a row with the vector.",
            "Each entry comes from a row of the matrix paired with the vector.",
        ),
    )
    s3 = Builder()
    s3.p(
        S(
            r"The rotation by an angle $\theta$ about the origin has matrix",
            r"Rotating the plane counterclockwise by $\theta$ is the linear map with matrix",
        )
    )
    s3.d(r"R_\theta = \begin{pmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{pmatrix}")
    s3.p(
        S(
            r"Multiplying two rotation matrices and using the addition formulas shows $R_\alpha R_\beta = R_{\alpha + \beta}$, so rotations of the plane do commute with each other.",
            r"The identity $R_\alpha R_\beta = R_{\alpha + \beta}$ is equivalent to the trigonometric addition formulas.",
        ),
        S(
            "Reflections, shears and projections all have simple matrices as well.",
            "A reflection across a line through the origin has determinant minus one.",
        ),
    )
    heads = [
        S("Linear maps", "Definition of the product", "Matrices and maps"),
        S("Worked example", "Non-commutativity", "Computing products"),
        S("Rotations", "Geometric transformations", "Examples from geometry"),
    ]
    ex = [
        f"Compute ${_mat([[1, rng.randint(1, 4)], [0, 1]])}^{rng.randint(3, 9)}$.",
        "Find two nonzero matrices whose product is zero.",
        f"Write the matrix of the rotation by ${rng.choice([30, 45, 60, 90, 120])}^\\circ$.",
    ]
    summary = [
        S("The columns of a matrix are images of basis vectors.", "Matrices represent linear maps."),
        S("Matrix multiplication is composition.", r"In general $AB \neq BA$."),
        S("Rotations add their angles when composed.", "Geometric maps have simple matrices."),
    ]
    code = f"import numpy as np\n\nA = np.array({A})\nB = np.array({B})\nprint(A @ B)\nprint(B @ A)\n"
    return make_topic(
        "linear algebra",
        title,
        [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)],
        summary,
        ex,
        code,
    )


_QUADS = [
    (1, 2, 2, 3),
    (2, 3, 6, 7),
    (1, 4, 8, 9),
    (4, 4, 7, 9),
    (2, 6, 9, 11),
    (6, 6, 7, 11),
    (2, 10, 11, 15),
    (1, 12, 12, 17),
]


def _rand_vec(rng: random.Random) -> tuple[list[int], int]:
    a, b, c, n = rng.choice(_QUADS)
    comps = [a, b, c]
    rng.shuffle(comps)
    return [x * rng.choice([1, -1]) for x in comps], n


def topic_vectors(rng: random.Random) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    while True:
        u, nu = _rand_vec(rng)
        v, nv = _rand_vec(rng)
        dot = sum(x * y for x, y in zip(u, v))
        if dot != 0 and u != v:
            break
    cos = Fraction(dot, nu * nv)
    coef = Fraction(dot, nv * nv)
    proj = [coef * x for x in v]
    cross = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
    vec = lambda w: "(" + ", ".join(num(x) for x in w) + ")"  # noqa: E731
    title = S(
        "Dot Products, Angles and Projections",
        "Vectors in Three Dimensions",
        "The Dot Product and the Cross Product",
        "Orthogonal Projections of Vectors",
        "Measuring Angles Between Vectors",
    )
    s1 = Builder()
    s1.p(
        S(
            r"The dot product of $u = (u_1, u_2, u_3)$ and $v = (v_1, v_2, v_3)$ is $u \cdot v = u_1 v_1 + u_2 v_2 + u_3 v_3$.",
            r"For vectors in $\mathbb{R}^3$ the dot product multiplies matching components and adds the results.",
            "The dot product turns two vectors into a number that encodes lengths and angles.",
        ),
        S(
            r"It satisfies $u \cdot v = \|u\| \|v\| \cos\theta$, where $\theta$ is the angle between the vectors, so perpendicular vectors have dot product zero.",
            r"Geometrically $u \cdot v = \|u\|\,\|v\| \cos\theta$; in particular $u \perp v$ exactly when $u \cdot v = 0$.",
        ),
    )
    s2 = Builder()
    s2.p(
        S(f"Let $u = {vec(u)}$ and $v = {vec(v)}$.", f"Consider the vectors $u = {vec(u)}$ and $v = {vec(v)}$."),
        f"Then $u \\cdot v = {dot}$, $\\|u\\| = {nu}$ and $\\|v\\| = {nv}$,",
        f"so $\\cos\\theta = \\frac{{{dot}}}{{{nu} \\cdot {nv}}} = {num(cos)}$ and the angle is about ${math.degrees(math.acos(float(cos))):.1f}$ degrees.",
    )
    s2.p(
        S(
            r"The projection of $u$ onto $v$ is $\operatorname{proj}_v u = \frac{u \cdot v}{v \cdot v} v$.",
            r"The orthogonal projection of $u$ on the line spanned by $v$ equals $\frac{u \cdot v}{\|v\|^2} v$.",
        ),
        f"Here it equals ${num(coef)} {vec(v)} = {vec(proj)}$.",
    )
    s3 = Builder()
    s3.p(
        S(
            r"The cross product $u \times v$ is perpendicular to both vectors and its length is the area of the parallelogram they span.",
            r"In three dimensions there is also the cross product, a vector orthogonal to $u$ and $v$ with length $\|u\|\|v\|\sin\theta$.",
        ),
        f"For our vectors $u \\times v = {vec(cross)}$,",
        S(
            "and one checks that its dot product with both u and v vanishes.",
            "which is orthogonal to both factors, as a dot product confirms.",
        ),
    )
    heads = [
        S("The dot product", "Definitions", "Lengths and angles"),
        S("Worked example", "Angles and projections", "Example"),
        S("The cross product", "Orthogonality", "Areas"),
    ]
    ex = [
        f"Find the angle between $(1, {rng.randint(0, 3)}, 0)$ and $(0, 1, {rng.randint(1, 3)})$.",
        f"Project $({rng.randint(1, 5)}, {rng.randint(1, 5)}, {rng.randint(1, 5)})$ onto $(1, 1, 1)$.",
        "Show that the cross product is anticommutative.",
    ]
    summary = [
        S(r"$u \cdot v = \|u\| \|v\| \cos\theta$.", "The dot product measures angles."),
        S("Zero dot product means perpendicular.", "Projections use the dot product."),
        S("The cross product is orthogonal to both factors.", "Cross products measure parallelogram areas."),
    ]
    code = f"import numpy as np\n\nu, v = np.array({u}), np.array({v})\nprint(u @ v, np.cross(u, v))  # {dot} {cross}\n"
    return make_topic(
        "linear algebra",
        title,
        [(heads[0], s1.blocks), (heads[1], s2.blocks), (heads[2], s3.blocks)],
        summary,
        ex,
        code,
    )
