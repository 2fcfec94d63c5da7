"""What the waiting-room display says when a number is called, as text and as voice clips.

"Nomor antrean A nol nol satu, silakan menuju loket dua": digits one by one, letters by their
Indonesian name; the clip names match loket/static/audio/id/manifest.json (the offline fallback).
"""
from __future__ import annotations

DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
# How a letter is read aloud in Bahasa Indonesia (also the texts of the letter clips).
LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}
MAX_COUNTER_CLIP = 20  # counter-1 … counter-20 are shipped as whole words


def number_words(n: int) -> str:
    """An integer 0..9999 in Indonesian words (counter numbers are read as one number)."""
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{DIGITS[tens]} puluh" + (f" {DIGITS[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{DIGITS[hundreds]} ratus"
        return head + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return head + (f" {number_words(rest)}" if rest else "")


def _number_parts(number: str) -> tuple[list[str], list[str]]:
    """Spoken words and clip names for a ticket number like "A-001"."""
    words, clips = [], []
    for char in number.upper():
        if char in LETTERS:
            words.append(char)  # an Indonesian voice reads a capital letter by its name
            clips.append(f"letter-{char.lower()}")
        elif char.isdigit():
            words.append(DIGITS[int(char)])
            clips.append(f"digit-{char}")
    return words, clips


def announcement(number: str, counter: int | None) -> dict:
    """Text for speech synthesis and the clip sequence for the fallback player."""
    words, clips = _number_parts(number)
    text = "Nomor antrean " + " ".join(words)
    clips = ["chime", "nomor-antrean", *clips]
    if counter is not None:
        text += f", silakan menuju loket {number_words(counter)}"
        clips.append("silakan-menuju-loket")
        if 1 <= counter <= MAX_COUNTER_CLIP:
            clips.append(f"counter-{counter}")
        else:
            clips += [f"digit-{d}" for d in str(counter)]
    return {"text": text, "clips": clips}
