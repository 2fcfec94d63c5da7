"""Community satisfaction index (IKM) per PermenPANRB 14/2017 for the SKM survey.
Nine elements, exact 1/9 weighting, conversion to 25..100, grade bands and Krejcie-Morgan sample size."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Optional, Union

__all__ = [
    "Element",
    "ELEMENTS",
    "ELEMENTS_BY_CODE",
    "ELEMENT_WEIGHT",
    "Grade",
    "GRADES",
    "IkmResult",
    "UnsurScore",
    "compute_ikm",
    "grade_for",
    "grade_label_en",
    "minimum_sample",
    "unsur_breakdown",
]


@dataclass(frozen=True)
class Element:
    """One survey element (unsur) with its four answer labels, values 1..4 in order."""

    code: str
    name: str
    answers: tuple[str, str, str, str]
    name_en: str
    answers_en: tuple[str, str, str, str]


# Names and answer labels exactly as in the sample questionnaire of PermenPANRB 14/2017.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1", "Persyaratan",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        "Requirements",
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    Element(
        "U2", "Sistem, Mekanisme, dan Prosedur",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        "Systems, Mechanisms and Procedures",
        ("Not easy", "Not very easy", "Easy", "Very easy"),
    ),
    Element(
        "U3", "Waktu Penyelesaian",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        "Completion Time",
        ("Not fast", "Not very fast", "Fast", "Very fast"),
    ),
    Element(
        "U4", "Biaya/Tarif",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        "Cost/Tariff",
        ("Very expensive", "Fairly expensive", "Cheap", "Free"),
    ),
    Element(
        "U5", "Produk Spesifikasi Jenis Pelayanan",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        "Service Product Specification",
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    Element(
        "U6", "Kompetensi Pelaksana",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        "Staff Competence",
        ("Not competent", "Not very competent", "Competent", "Very competent"),
    ),
    Element(
        "U7", "Perilaku Pelaksana",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
        "Staff Conduct",
        ("Impolite and unfriendly", "Not very polite and friendly", "Polite and friendly",
         "Very polite and friendly"),
    ),
    Element(
        "U8", "Sarana dan Prasarana",
        ("Buruk", "Cukup", "Baik", "Sangat Baik"),
        "Facilities and Infrastructure",
        ("Poor", "Fair", "Good", "Very good"),
    ),
    Element(
        "U9", "Penanganan Pengaduan, Saran dan Masukan",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
        "Handling of Complaints, Suggestions and Input",
        ("None", "Exists but not functioning", "Functioning but not optimally", "Well managed"),
    ),
)

ELEMENTS_BY_CODE: Mapping[str, Element] = MappingProxyType({e.code: e for e in ELEMENTS})

# Weight of each element: exactly 1/9 (offices that round it to 0.111 or 0.11 drift).
ELEMENT_WEIGHT = Fraction(1, len(ELEMENTS))

# Converted index = IKM (1..4) x 25, giving 25..100.
CONVERSION_FACTOR = 25


@dataclass(frozen=True)
class Grade:
    """A quality grade (mutu) and its lowest converted score (after rounding to 2 decimals)."""

    code: str
    minimum: Decimal
    label: str
    label_en: str


# Highest first; the published bands leave gaps, so classify by lower bound only.
GRADES: tuple[Grade, ...] = (
    Grade("A", Decimal("88.31"), "Sangat Baik", "Very Good"),
    Grade("B", Decimal("76.61"), "Baik", "Good"),
    Grade("C", Decimal("65.00"), "Kurang Baik", "Fair"),
    Grade("D", Decimal("25.00"), "Tidak Baik", "Poor"),
)
_GRADES_BY_CODE = {g.code: g for g in GRADES}

_TWO_PLACES = Decimal("0.01")
_MIN_CONVERTED = Decimal("25.00")
_MAX_CONVERTED = Decimal("100.00")


@dataclass(frozen=True)
class IkmResult:
    """Survey result; every field but `respondents` is None when there are no respondents."""

    respondents: int
    nrr: Optional[tuple[float, ...]]  # nine element averages (nilai rata-rata), 1..4
    ikm: Optional[float]  # mean of the nine NRRs, 1..4
    ikm_converted: Optional[float]  # ikm x 25, rounded half-up to 2 decimals, 25..100
    grade: Optional[str]  # "A".."D"
    label: Optional[str]  # "Sangat Baik" .. "Tidak Baik"
    label_en: Optional[str]


@dataclass(frozen=True)
class UnsurScore:
    """Per-element figures for a report table."""

    element: Element
    nrr: float  # average answer, 1..4
    nrr_weighted: float  # nrr x 1/9
    converted: float  # nrr x 25, rounded half-up to 2 decimals
    grade: str
    label: str
    label_en: str


def _round_half_up(value: Fraction) -> Decimal:
    """Round an exact non-negative fraction half-up to 2 decimals, without intermediate rounding."""
    hundredths = math.floor(value * 100 + Fraction(1, 2))
    return (Decimal(hundredths) / 100).quantize(_TWO_PLACES)


def _to_two_places(value: Union[Decimal, float, int, Fraction]) -> Decimal:
    """Convert a score to a Decimal rounded half-up to 2 decimals."""
    if isinstance(value, bool):
        raise ValueError(f"converted score must be a number, not {value!r}")
    if isinstance(value, Fraction):
        if value < 0:
            raise ValueError(f"converted score must be between 25 and 100, got {value}")
        return _round_half_up(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"converted score must be finite, got {value!r}")
        # repr() is the shortest string that round-trips, i.e. the number the caller
        # means: 88.305 stays 88.305 instead of its binary value 88.30499999...
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise ValueError(f"converted score must be a Decimal, float or int, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"converted score must be finite, got {value}")
    return value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def grade_for(converted: Union[Decimal, float, int, Fraction]) -> tuple[str, str]:
    """Return (grade, Indonesian label) for a converted score in 25..100.

    The score is first rounded half-up to 2 decimals; then >= 88.31 is A,
    >= 76.61 is B, >= 65.00 is C, anything lower is D.
    """
    rounded = _to_two_places(converted)
    if not _MIN_CONVERTED <= rounded <= _MAX_CONVERTED:
        raise ValueError(f"converted score must be between 25 and 100, got {rounded}")
    for grade in GRADES:
        if rounded >= grade.minimum:
            return grade.code, grade.label
    raise AssertionError("unreachable: grade D covers the whole range")  # pragma: no cover


def grade_label_en(grade: str) -> str:
    """English label for a grade code ("A".."D")."""
    try:
        return _GRADES_BY_CODE[grade].label_en
    except KeyError:
        raise ValueError(f"unknown grade {grade!r}; expected one of A, B, C, D") from None


def _element_sums(responses: Iterable[Sequence[int]]) -> tuple[int, list[int]]:
    """Validate the responses and return (respondent count, per-element answer sums)."""
    if isinstance(responses, (str, bytes)):
        raise ValueError("responses must be an iterable of 9-item answer sequences")
    try:
        rows = iter(responses)
    except TypeError:
        raise ValueError("responses must be an iterable of 9-item answer sequences") from None
    count = len(ELEMENTS)
    sums = [0] * count
    respondents = 0
    for index, row in enumerate(rows, start=1):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise ValueError(
                f"respondent {index}: expected a sequence of {count} answers, got {type(row).__name__}"
            )
        if len(row) != count:
            raise ValueError(f"respondent {index}: expected {count} answers (U1..U9), got {len(row)}")
        for position, answer in enumerate(row):
            # bool is a subclass of int but never a valid answer.
            if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= 4:
                raise ValueError(
                    f"respondent {index}, {ELEMENTS[position].code}: answer must be an integer "
                    f"1..4, got {answer!r}"
                )
            sums[position] += answer
        respondents += 1
    return respondents, sums


def compute_ikm(responses: Iterable[Sequence[int]]) -> IkmResult:
    """Compute the IKM from answers, one 9-item sequence of ints 1..4 (U1..U9) per respondent.

    NRR per element = sum of answers / respondents; IKM = sum(NRR x 1/9);
    converted = IKM x 25 rounded half-up to 2 decimals. All arithmetic is exact
    (fractions) until the final conversion to float. Raises ValueError on bad input.
    """
    respondents, sums = _element_sums(responses)
    if respondents == 0:
        return IkmResult(0, None, None, None, None, None, None)
    nrr = [Fraction(total, respondents) for total in sums]
    ikm = sum((value * ELEMENT_WEIGHT for value in nrr), Fraction(0))
    converted = _round_half_up(ikm * CONVERSION_FACTOR)
    grade, label = grade_for(converted)
    return IkmResult(
        respondents=respondents,
        nrr=tuple(float(value) for value in nrr),
        ikm=float(ikm),
        ikm_converted=float(converted),
        grade=grade,
        label=label,
        label_en=grade_label_en(grade),
    )


def unsur_breakdown(responses: Iterable[Sequence[int]]) -> tuple[UnsurScore, ...]:
    """Per-element NRR, NRR x 1/9 and converted score with grade; empty for no respondents."""
    respondents, sums = _element_sums(responses)
    if respondents == 0:
        return ()
    scores = []
    for element, total in zip(ELEMENTS, sums):
        nrr = Fraction(total, respondents)
        converted = _round_half_up(nrr * CONVERSION_FACTOR)
        grade, label = grade_for(converted)
        scores.append(
            UnsurScore(
                element=element,
                nrr=float(nrr),
                nrr_weighted=float(nrr * ELEMENT_WEIGHT),
                converted=float(converted),
                grade=grade,
                label=label,
                label_en=grade_label_en(grade),
            )
        )
    return tuple(scores)


# Krejcie-Morgan constants: chi-square for 1 degree of freedom at 95%, proportion, margin of error.
_CHI_SQUARE = Fraction("3.841")
_PROPORTION = Fraction(1, 2)
_MARGIN = Fraction(5, 100)


def minimum_sample(population: int) -> int:
    """Minimum number of respondents for `population` service users (Krejcie-Morgan).

    S = X^2 N P(1-P) / (d^2 (N-1) + X^2 P(1-P)) with X^2 = 3.841, P = 0.5, d = 0.05,
    computed exactly and rounded to the nearest integer (half up), which reproduces the
    published table (100 -> 80, 500 -> 217, 1,000,000 -> 384); rounding up would give 218 for 500.
    """
    if isinstance(population, bool) or not isinstance(population, int):
        raise ValueError(f"population must be a non-negative integer, got {population!r}")
    if population < 0:
        raise ValueError(f"population must be a non-negative integer, got {population}")
    if population == 0:
        return 0
    variance = _PROPORTION * (1 - _PROPORTION)
    size = (_CHI_SQUARE * population * variance) / (
        _MARGIN ** 2 * (population - 1) + _CHI_SQUARE * variance
    )
    return math.floor(size + Fraction(1, 2))
