"""What the display says for a call: text for speech synthesis and the same words as shipped clips."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from support import require_or_skip

from loket.display.speech import DIGITS, LETTERS, NUMBER_WORDS, announcement, number_words

AUDIO = Path(__file__).resolve().parents[2] / "loket" / "static" / "audio" / "id"
MANIFEST = json.loads((AUDIO / "manifest.json").read_text())["clips"]


def clip_words(clips: list[str]) -> str:
    """The words the clips say, from the manifest (letters by their Indonesian name)."""
    return " ".join(MANIFEST[name]["text"] for name in clips if name != "chime")


def test_the_issue_example_is_said_digit_by_digit():
    said = announcement("A-001", 2)
    assert said["text"] == "Nomor antrean A nol nol satu, silakan menuju loket dua"
    assert said["clips"] == ["chime", "nomor-antrean", "letter-a", "digit-0", "digit-0", "digit-1",
                             "silakan-menuju-loket", "counter-2"]
    assert clip_words(said["clips"]) == "Nomor antrean a nol nol satu silakan menuju loket dua"


@pytest.mark.parametrize("number, counter, text", [
    ("AB-012", 3, "Nomor antrean A B nol satu dua, silakan menuju loket tiga"),
    ("a-1000", 10, "Nomor antrean A satu nol nol nol, silakan menuju loket sepuluh"),
    ("Z-099", 11, "Nomor antrean Z nol sembilan sembilan, silakan menuju loket sebelas"),
    ("B-7", 17, "Nomor antrean B tujuh, silakan menuju loket tujuh belas"),
    ("C-010", 25, "Nomor antrean C nol satu nol, silakan menuju loket dua puluh lima"),
    ("D-001", 100, "Nomor antrean D nol nol satu, silakan menuju loket seratus"),
    ("E-001", 1999, "Nomor antrean E nol nol satu, silakan menuju loket seribu sembilan ratus sembilan puluh sembilan"),
    ("F-001", 123456, "Nomor antrean F nol nol satu, silakan menuju loket satu dua tiga empat lima enam"),
    ("Q-١٢", 2, "Nomor antrean Q, silakan menuju loket dua"),  # non-ASCII digits are not read
    ("A-001", None, "Nomor antrean A nol nol satu"),
])
def test_odd_numbers_are_said_the_same_by_speech_and_by_clips(number, counter, text):
    said = announcement(number, counter)
    assert said["text"] == text
    assert said["clips"][0] == "chime"
    assert all(name in MANIFEST for name in said["clips"]), said["clips"]
    # The clips say the same words as the text (letters by name, no punctuation).
    expected = " ".join(LETTERS.get(word, word) for word in text.replace(",", "").split())
    assert clip_words(said["clips"]) == expected


@pytest.mark.parametrize("n, words", [(1, "satu"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"),
                                      (20, "dua puluh"), (21, "dua puluh satu"), (101, "seratus satu"),
                                      (110, "seratus sepuluh"), (1000, "seribu"), (2024, "dua ribu dua puluh empat")])
def test_counter_numbers_in_indonesian_words(n, words):
    assert number_words(n) == words


def test_every_clip_the_display_can_ask_for_is_shipped():
    needed = {"chime", "nomor-antrean", "silakan-menuju-loket"}
    needed |= {f"letter-{c.lower()}" for c in LETTERS} | {f"digit-{d}" for d in range(10)}
    needed |= {f"counter-{n}" for n in range(1, 21)} | {f"word-{w}" for w in NUMBER_WORDS}
    assert needed <= set(MANIFEST)
    for name in needed:
        clip = MANIFEST[name]
        path = AUDIO / clip["file"]
        assert path.is_file() and path.stat().st_size > 500, name
        assert path.read_bytes()[:4] == b"OggS", name
        assert 0.2 < clip["duration_s"] < 3, name
    assert [MANIFEST[f"digit-{d}"]["text"] for d in range(10)] == list(DIGITS)


def test_clips_script_generates_the_manifest(tmp_path):
    """scripts/make_voice_clips.sh (espeak-ng + sox) rebuilds the same set of clips."""
    # Only needed to regenerate the clips; scripts/test.sh installs them, CI makes their absence fail.
    require_or_skip(bool(shutil.which("espeak-ng") and shutil.which("sox")), "espeak-ng and sox",
                    env="LOKET_REQUIRE_SERVICES")
    root = Path(__file__).resolve().parents[2]
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    shutil.copy(root / "scripts" / "make_voice_clips.sh", work / "scripts")
    subprocess.run(["bash", str(work / "scripts" / "make_voice_clips.sh")], check=True, capture_output=True, timeout=300)
    made = json.loads((work / "loket" / "static" / "audio" / "id" / "manifest.json").read_text())["clips"]
    assert set(made) == set(MANIFEST)
    assert {k: v["text"] for k, v in made.items()} == {k: v["text"] for k, v in MANIFEST.items()}
