"""Tests for the IKM (community satisfaction index) computation, PermenPANRB 14/2017.
Hand-computed data sets per grade, grade boundaries, exact 1/9 weighting and Krejcie-Morgan sizes."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from loket.feedback import ikm
from loket.feedback.ikm import (
    ELEMENTS,
    ELEMENTS_BY_CODE,
    IkmResult,
    compute_ikm,
    grade_for,
    minimum_sample,
    unsur_breakdown,
)


def make_responses(respondents, total):
    """Build `respondents` rows of 9 answers (1..4) whose answers add up to `total`."""
    cells = respondents * 9
    assert cells <= total <= 4 * cells
    extra = total - cells  # points above the all-1 baseline, at most 3 per cell
    flat = []
    for _ in range(cells):
        bump = min(3, extra)
        flat.append(1 + bump)
        extra -= bump
    return [tuple(flat[i:i + 9]) for i in range(0, cells, 9)]


# --- Elements ---------------------------------------------------------------


def test_elements_match_domain_table():
    assert [e.code for e in ELEMENTS] == [f"U{i}" for i in range(1, 10)]
    assert ELEMENTS[0].name == "Persyaratan"
    assert ELEMENTS[1].name == "Sistem, Mekanisme, dan Prosedur"
    assert ELEMENTS[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert ELEMENTS[6].answers == (
        "Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah",
    )
    assert ELEMENTS[7].answers == ("Buruk", "Cukup", "Baik", "Sangat Baik")
    assert ELEMENTS[8].name == "Penanganan Pengaduan, Saran dan Masukan"
    assert ELEMENTS[8].answers == (
        "Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik",
    )
    for element in ELEMENTS:
        assert len(element.answers) == 4 and len(element.answers_en) == 4
        assert element.name_en and all(element.answers_en)
    assert ELEMENTS_BY_CODE["U5"].name == "Produk Spesifikasi Jenis Pelayanan"


def test_elements_are_frozen():
    with pytest.raises(AttributeError):
        ELEMENTS[0].name = "x"


# --- Hand-computed data sets, one per grade ----------------------------------

# Data set A, 3 respondents:
#   R1: 4 4 4 4 4 4 4 4 4
#   R2: 4 3 4 4 4 4 4 3 4
#   R3: 3 4 4 4 3 4 4 4 4
# Sums U1..U9: 11 11 12 12 11 12 12 11 12 (total 104)
# NRR: 11/3=3.6667, 11/3, 4, 4, 11/3, 4, 4, 11/3, 4
# IKM = (104/3) x 1/9 = 104/27 = 3.851852; x25 = 96.296... -> 96.30 -> A
DATA_A = [
    (4, 4, 4, 4, 4, 4, 4, 4, 4),
    (4, 3, 4, 4, 4, 4, 4, 3, 4),
    (3, 4, 4, 4, 3, 4, 4, 4, 4),
]

# Data set B, 4 respondents:
#   R1: 3 3 3 3 3 3 3 3 3
#   R2: 4 3 3 4 3 3 4 3 3
#   R3: 3 3 3 4 3 3 4 3 3
#   R4: 3 4 3 4 3 3 3 3 3
# Sums U1..U9: 13 13 12 15 12 12 14 12 12 (total 115)
# NRR: 3.25 3.25 3.00 3.75 3.00 3.00 3.50 3.00 3.00 (sum 28.75)
# IKM = 28.75 x 1/9 = 3.194444; x25 = 79.8611 -> 79.86 -> B
# (with weight 0.111: 28.75 x 0.111 = 3.19125; x25 = 79.78125 -> 79.78, i.e. drift)
DATA_B = [
    (3, 3, 3, 3, 3, 3, 3, 3, 3),
    (4, 3, 3, 4, 3, 3, 4, 3, 3),
    (3, 3, 3, 4, 3, 3, 4, 3, 3),
    (3, 4, 3, 4, 3, 3, 3, 3, 3),
]

# Data set C, 5 respondents, lands exactly on the C lower bound:
#   R1: 3 3 2 3 3 3 3 2 2
#   R2: 2 3 2 2 3 3 3 2 2
#   R3: 3 2 2 3 3 3 3 3 1
#   R4: 4 3 2 2 3 2 3 3 2
#   R5: 3 3 1 3 3 3 4 2 2
# Sums U1..U9: 15 14 9 13 15 14 16 12 9 (total 117)
# NRR: 3.0 2.8 1.8 2.6 3.0 2.8 3.2 2.4 1.8 (sum 23.4)
# IKM = 23.4 x 1/9 = 2.6; x25 = 65.00 exactly -> C
# (naive float arithmetic gives 64.99999999999999; the exact result must not slip to D)
DATA_C = [
    (3, 3, 2, 3, 3, 3, 3, 2, 2),
    (2, 3, 2, 2, 3, 3, 3, 2, 2),
    (3, 2, 2, 3, 3, 3, 3, 3, 1),
    (4, 3, 2, 2, 3, 2, 3, 3, 2),
    (3, 3, 1, 3, 3, 3, 4, 2, 2),
]

# Data set D, 2 respondents:
#   R1: 2 2 1 2 3 2 2 2 2
#   R2: 3 2 2 1 2 3 3 2 4
# Sums U1..U9: 5 4 3 3 5 5 5 4 6 (total 40)
# NRR: 2.5 2.0 1.5 1.5 2.5 2.5 2.5 2.0 3.0 (sum 20)
# IKM = 20 x 1/9 = 2.222222; x25 = 55.5556 -> 55.56 -> D
DATA_D = [
    (2, 2, 1, 2, 3, 2, 2, 2, 2),
    (3, 2, 2, 1, 2, 3, 3, 2, 4),
]


def test_data_set_a():
    result = compute_ikm(DATA_A)
    assert result.respondents == 3
    assert result.nrr == pytest.approx((11 / 3, 11 / 3, 4, 4, 11 / 3, 4, 4, 11 / 3, 4))
    assert result.ikm == pytest.approx(104 / 27)
    assert result.ikm_converted == 96.30
    assert (result.grade, result.label, result.label_en) == ("A", "Sangat Baik", "Very Good")


def test_data_set_b():
    result = compute_ikm(DATA_B)
    assert result.respondents == 4
    assert result.nrr == (3.25, 3.25, 3.0, 3.75, 3.0, 3.0, 3.5, 3.0, 3.0)
    assert result.ikm == pytest.approx(3.1944444444)
    assert result.ikm_converted == 79.86
    assert (result.grade, result.label) == ("B", "Baik")


def test_data_set_c_exactly_on_boundary():
    result = compute_ikm(DATA_C)
    assert result.respondents == 5
    assert result.nrr == (3.0, 2.8, 1.8, 2.6, 3.0, 2.8, 3.2, 2.4, 1.8)
    assert result.ikm == 2.6
    assert result.ikm_converted == 65.00
    assert (result.grade, result.label) == ("C", "Kurang Baik")


def test_data_set_d():
    result = compute_ikm(DATA_D)
    assert result.respondents == 2
    assert result.nrr == (2.5, 2.0, 1.5, 1.5, 2.5, 2.5, 2.5, 2.0, 3.0)
    assert result.ikm == pytest.approx(20 / 9)
    assert result.ikm_converted == 55.56
    assert (result.grade, result.label) == ("D", "Tidak Baik")


def test_extremes():
    best = compute_ikm([(4,) * 9] * 7)
    assert (best.ikm, best.ikm_converted, best.grade) == (4.0, 100.0, "A")
    worst = compute_ikm([[1] * 9])
    assert (worst.ikm, worst.ikm_converted, worst.grade) == (1.0, 25.0, "D")


def test_accepts_generator_and_lists():
    assert compute_ikm(list(row) for row in DATA_B) == compute_ikm(DATA_B)


def test_zero_respondents():
    assert compute_ikm([]) == IkmResult(0, None, None, None, None, None, None)
    assert compute_ikm(iter(())).grade is None
    assert unsur_breakdown([]) == ()


def test_result_is_frozen():
    result = compute_ikm(DATA_A)
    with pytest.raises(AttributeError):
        result.grade = "D"


# --- Data sets at the grade boundaries ---------------------------------------
# converted = 25 x T / (9 x n), with T the total of all answers and n the respondents.
#   n=2500:  T=79479 -> 88.31 exactly;  T=79470 -> 88.30 exactly
#            T=68949 -> 76.61 exactly;  T=68940 -> 76.60 exactly
#   n=10000: T=317898 -> 88.305 exactly (half up -> 88.31 A); T=317897 -> 88.30472 (-> 88.30 B)
#            T=275778 -> 76.605 exactly (-> 76.61 B);        T=275777 -> 76.60472 (-> 76.60 C)
#            T=233982 -> 64.995 exactly (-> 65.00 C);        T=233981 -> 64.99472 (-> 64.99 D)
#   n=5:     T=117 -> 65.00 exactly (data set C);  T=116 -> 64.444 -> 64.44 D


@pytest.mark.parametrize(
    "respondents, total, converted, grade",
    [
        (2500, 79479, 88.31, "A"),
        (2500, 79470, 88.30, "B"),
        (2500, 68949, 76.61, "B"),
        (2500, 68940, 76.60, "C"),
        (10000, 317898, 88.31, "A"),
        (10000, 317897, 88.30, "B"),
        (10000, 275778, 76.61, "B"),
        (10000, 275777, 76.60, "C"),
        (10000, 233982, 65.00, "C"),
        (10000, 233981, 64.99, "D"),
        (5, 117, 65.00, "C"),
        (5, 116, 64.44, "D"),
    ],
)
def test_boundary_data_sets(respondents, total, converted, grade):
    responses = make_responses(respondents, total)
    assert sum(map(sum, responses)) == total
    result = compute_ikm(responses)
    assert result.respondents == respondents
    assert result.ikm_converted == converted
    assert result.grade == grade


# --- Exact 1/9 weighting -------------------------------------------------------


def _converted_with_weight(responses, weight):
    """Reference float computation as a spreadsheet does it: (sum of NRR) x weight x 25."""
    n = len(responses)
    nrr = [sum(row[i] for row in responses) / n for i in range(9)]
    value = sum(nrr) * weight * 25
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_weight_is_exactly_one_ninth():
    assert ikm.ELEMENT_WEIGHT == Fraction(1, 9)


def test_one_ninth_not_0_111():
    # Data set B: 1/9 gives 79.86, 0.111 gives 79.78 (see hand computation above).
    assert _converted_with_weight(DATA_B, 0.111) == 79.78
    assert compute_ikm(DATA_B).ikm_converted == 79.86
    # All fours: 36 x 0.111 x 25 = 99.90, but the true maximum is 100.00.
    assert _converted_with_weight([(4,) * 9], 0.111) == 99.90
    assert compute_ikm([(4,) * 9]).ikm_converted == 100.00


def test_one_ninth_changes_grade_versus_0_111():
    # 2500 respondents, T=79479: sum of NRR = 31.7916; x 1/9 x 25 = 88.31 (A),
    # x 0.111 x 25 = 88.2217 -> 88.22 (B).
    responses = make_responses(2500, 79479)
    assert _converted_with_weight(responses, 0.111) == 88.22
    assert compute_ikm(responses).grade == "A"


def test_exact_half_is_not_lost_to_float_drift():
    # T=317898, n=10000 is exactly 88.305; float arithmetic (sum of NRR x (1/9) x 25) gives
    # 88.30499999999999, which would round to 88.30 (B). Exact arithmetic rounds half up to 88.31 (A).
    responses = make_responses(10000, 317898)
    assert _converted_with_weight(responses, 1 / 9) == 88.30
    result = compute_ikm(responses)
    assert (result.ikm_converted, result.grade) == (88.31, "A")


# --- grade_for ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("100"), ("A", "Sangat Baik")),
        (100, ("A", "Sangat Baik")),
        (88.31, ("A", "Sangat Baik")),
        (Decimal("88.31"), ("A", "Sangat Baik")),
        (88.305, ("A", "Sangat Baik")),  # half up
        (Decimal("88.305"), ("A", "Sangat Baik")),
        (Fraction(88305, 1000), ("A", "Sangat Baik")),
        (88.30, ("B", "Baik")),
        (Decimal("88.3049"), ("B", "Baik")),
        (76.61, ("B", "Baik")),
        (Decimal("76.605"), ("B", "Baik")),
        (76.60, ("C", "Kurang Baik")),
        (Decimal("76.6049"), ("C", "Kurang Baik")),
        (65.00, ("C", "Kurang Baik")),
        (65, ("C", "Kurang Baik")),
        (64.995, ("C", "Kurang Baik")),
        (64.99, ("D", "Tidak Baik")),
        (Decimal("64.9949"), ("D", "Tidak Baik")),
        (25, ("D", "Tidak Baik")),
        (Decimal("25.00"), ("D", "Tidak Baik")),
    ],
)
def test_grade_for(value, expected):
    assert grade_for(value) == expected


@pytest.mark.parametrize(
    "value",
    [24.99, 100.01, Decimal("-1"), float("nan"), float("inf"), Decimal("NaN"), True, "88.31", None],
)
def test_grade_for_rejects(value):
    with pytest.raises(ValueError):
        grade_for(value)


def test_grade_label_en():
    assert [ikm.grade_label_en(g) for g in "ABCD"] == ["Very Good", "Good", "Fair", "Poor"]
    with pytest.raises(ValueError):
        ikm.grade_label_en("E")


# --- Validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "responses, fragment",
    [
        ([(4, 4, 4, 4, 4, 4, 4, 4)], "expected 9 answers"),
        ([(4,) * 10], "expected 9 answers"),
        ([(4,) * 9, (4, 4, 4, 0, 4, 4, 4, 4, 4)], "respondent 2, U4"),
        ([(5,) + (4,) * 8], "respondent 1, U1"),
        ([(4,) * 8 + (-1,)], "U9"),
        ([(4,) * 8 + (3.0,)], "integer 1..4"),
        ([(4,) * 8 + ("3",)], "integer 1..4"),
        ([(4,) * 8 + (None,)], "integer 1..4"),
        ([(True,) * 9], "integer 1..4"),
        (["444444444"], "sequence"),
        ([4], "sequence"),
        ([{1, 2, 3, 4}], "sequence"),
        (5, "iterable"),
        ("444444444", "iterable"),
    ],
)
def test_validation(responses, fragment):
    with pytest.raises(ValueError, match=fragment):
        compute_ikm(responses)
    with pytest.raises(ValueError):
        unsur_breakdown(responses)


# --- unsur_breakdown ----------------------------------------------------------------


def test_unsur_breakdown_data_set_b():
    scores = unsur_breakdown(DATA_B)
    assert [s.element.code for s in scores] == [e.code for e in ELEMENTS]
    assert [s.nrr for s in scores] == [3.25, 3.25, 3.0, 3.75, 3.0, 3.0, 3.5, 3.0, 3.0]
    # U4: NRR 3.75 -> weighted 3.75/9 = 0.416667, converted 93.75 (A)
    u4 = scores[3]
    assert u4.nrr_weighted == pytest.approx(3.75 / 9)
    assert (u4.converted, u4.grade, u4.label) == (93.75, "A", "Sangat Baik")
    # U1: NRR 3.25 -> converted 81.25 (B); U3: 3.00 -> 75.00 (C)
    assert (scores[0].converted, scores[0].grade) == (81.25, "B")
    assert (scores[2].converted, scores[2].grade, scores[2].label_en) == (75.0, "C", "Fair")
    # The weighted NRRs add up to the IKM.
    assert sum(s.nrr_weighted for s in scores) == pytest.approx(compute_ikm(DATA_B).ikm)


# --- Krejcie-Morgan sample size --------------------------------------------------------


@pytest.mark.parametrize(
    "population, sample",
    [(0, 0), (1, 1), (10, 10), (100, 80), (200, 132), (500, 217), (1000, 278), (10000, 370),
     (1000000, 384)],
)
def test_minimum_sample(population, sample):
    assert minimum_sample(population) == sample


def test_minimum_sample_never_exceeds_population_and_levels_off():
    for population in range(0, 2000):
        assert 0 <= minimum_sample(population) <= population
    assert minimum_sample(10**12) == 384


@pytest.mark.parametrize("population", [-1, 1.5, "100", None, True])
def test_minimum_sample_rejects(population):
    with pytest.raises(ValueError):
        minimum_sample(population)
