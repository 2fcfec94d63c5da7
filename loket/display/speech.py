"""What the waiting-room display says when a number is called, as text and as voice clips.

"Nomor antrean A nol nol satu, silakan menuju loket dua": digits one by one, letters by their
Indonesian name (an office prefix too: "DK-A-001" is "D K A nol nol satu"); the clip names match
loket/static/audio/id/manifest.json (the offline fallback). On a display shared by several offices
the text names the office after the counter; the clips cannot say an arbitrary office name, so they
say the number and the counter only (the screen shows the office beside the counter).
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
# Number words other than the digits, shipped as word-<name> clips so any counter number can be
# said from clips exactly as the speech text says it ("dua puluh lima").
NUMBER_WORDS = ("sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu")
MAX_WORDS_NUMBER = 9999  # above this a number is read digit by digit


def _words(n: int) -> list[str]:
    if n < 10:
        return [DIGITS[n]]
    if n == 10:
        return ["sepuluh"]
    if n == 11:
        return ["sebelas"]
    if n < 20:
        return [DIGITS[n - 10], "belas"]
    if n < 100:
        tens, rest = divmod(n, 10)
        return [DIGITS[tens], "puluh"] + (_words(rest) if rest else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = ["seratus"] if hundreds == 1 else [DIGITS[hundreds], "ratus"]
        return head + (_words(rest) if rest else [])
    thousands, rest = divmod(n, 1000)
    head = ["seribu"] if thousands == 1 else _words(thousands) + ["ribu"]
    return head + (_words(rest) if rest else [])


def number_words(n: int) -> str:
    """A counter number in Indonesian words ("dua puluh lima"); digit by digit above 9999."""
    return " ".join(_number_word_list(n))


def _number_word_list(n: int) -> list[str]:
    n = abs(int(n))
    if n > MAX_WORDS_NUMBER:
        return [DIGITS[int(d)] for d in str(n)]
    return _words(n)


def _word_clip(word: str) -> str:
    return f"digit-{DIGITS.index(word)}" if word in DIGITS else f"word-{word}"


def _number_parts(number: str) -> tuple[list[str], list[str]]:
    """Spoken words and clip names for a ticket number like "A-001" or "DK-A-001": every letter by
    its name, every digit one by one, whatever the segments."""
    words, clips = [], []
    for char in number.upper():
        if char in LETTERS:
            words.append(char)  # an Indonesian voice reads a capital letter by its name
            clips.append(f"letter-{char.lower()}")
        elif char.isdigit() and char.isascii():
            words.append(DIGITS[int(char)])
            clips.append(f"digit-{char}")
    return words, clips


def announcement(number: str, counter: int | None, office: str | None = None) -> dict:
    """Text for speech synthesis and the clip sequence for the fallback player (same words).

    `office`: the office's name, said after the counter on a shared display (text only)."""
    words, clips = _number_parts(number or "")
    text = " ".join(["Nomor antrean", *words])
    clips = ["chime", "nomor-antrean", *clips]
    if counter is not None:
        counter_words = _number_word_list(counter)
        text += ", silakan menuju loket " + " ".join(counter_words)
        clips.append("silakan-menuju-loket")
        if 1 <= counter <= MAX_COUNTER_CLIP:
            clips.append(f"counter-{counter}")
        else:
            clips += [_word_clip(w) for w in counter_words]
        if office and office.strip():
            text += ", " + " ".join(office.split())
    return {"text": text, "clips": clips}
