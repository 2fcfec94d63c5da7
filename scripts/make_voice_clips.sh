#!/usr/bin/env bash
# scripts/make_voice_clips.sh — build the Bahasa Indonesia voice clips that the
# waiting-room display plays to announce a call, e.g.
#   chime, "Nomor antrean", "a", "nol", "satu", "lima", "silakan menuju loket", "tiga"
#
# Output (committed, served as static files): loket/static/audio/id/
#   letter-a.ogg … letter-z.ogg   letter names as spoken in Indonesian (a, be, ce, …)
#   digit-0.ogg  … digit-9.ogg    "nol" … "sembilan" (ticket numbers read digit by digit)
#   counter-1.ogg … counter-20.ogg  "satu" … "dua puluh" (counter / loket numbers)
#   word-puluh.ogg, word-belas.ogg, … number words so a counter above 20 is said in
#                                 words from clips too ("dua puluh lima"), as in speech.py
#   nomor-antrean.ogg             "Nomor antrean"
#   silakan-menuju-loket.ogg      "silakan menuju loket"
#   chime.ogg                     a soft two-tone ding-dong (~1.2 s), synthesised by sox
#   manifest.json                 key -> {file, text, duration_s}
#
# Each clip: espeak-ng (voice "id") -> WAV, then sox trims leading/trailing
# silence, resamples to 16 kHz mono and encodes low-bitrate Ogg Vorbis.
#
# Needs: espeak-ng, sox with Ogg Vorbis support
#   (Debian: apt-get install -y espeak-ng sox libsox-fmt-all)
# Usage: bash scripts/make_voice_clips.sh     (re-running regenerates everything)
# Env:   VOICE (default "id"), SPEED (espeak words/min, default 150),
#        RATE (default 16000), QUALITY (vorbis -C, default 1)
set -euo pipefail

VOICE="${VOICE:-id}"
SPEED="${SPEED:-150}"
RATE="${RATE:-16000}"
QUALITY="${QUALITY:-1}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/loket/static/audio/id"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

for tool in espeak-ng sox soxi; do
  command -v "$tool" >/dev/null || {
    echo "make_voice_clips.sh: '$tool' not found (apt-get install -y espeak-ng sox libsox-fmt-all)" >&2
    exit 1
  }
done
sox -h | grep -qw vorbis || {
  echo "make_voice_clips.sh: sox lacks Ogg Vorbis support (apt-get install -y libsox-fmt-all)" >&2
  exit 1
}

mkdir -p "$OUT"
rm -f "$OUT"/*.ogg "$OUT"/manifest.json

MANIFEST_ENTRIES=()

json_escape() { local s="$1"; s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; printf '%s' "$s"; }

# encode IN.wav KEY TEXT — normalise + trim + 16 kHz mono Ogg Vorbis, add to manifest
encode() {
  local in="$1" key="$2" text="$3" file="$2.ogg"
  # trim silence at both ends (reverse trick), leave 40 ms of air, gentle fades
  sox "$in" -c 1 "$TMP/cut.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
  sox "$TMP/cut.wav" "$TMP/trim.wav" fade t 0.005 -0 0.02 pad 0.04 0.08 norm -3 rate -v "$RATE"
  sox "$TMP/trim.wav" -C "$QUALITY" "$OUT/$file"
  local dur
  dur="$(soxi -D "$OUT/$file")"
  MANIFEST_ENTRIES+=("$(printf '    "%s": {"file": "%s", "text": "%s", "duration_s": %.3f}' \
    "$key" "$file" "$(json_escape "$text")" "$dur")")
}

# speak KEY TEXT [ESPEAK_INPUT] — ESPEAK_INPUT overrides what espeak gets
# (e.g. phoneme hints in [[...]]) while TEXT is what the manifest records.
speak() {
  local key="$1" text="$2" input="${3:-$2}"
  espeak-ng -v "$VOICE" -s "$SPEED" -w "$TMP/raw.wav" "$input"
  encode "$TMP/raw.wav" "$key" "$text"
}

# Letters: espeak-ng's Indonesian voice already says the Indonesian letter
# names (a, be, ce, de, e, ef, ge, ha, i, je, ka, el, em, en, o, pe, ki, er,
# es, te, u, fe, we, eks, ye, zet) when given the bare letter.
LETTER_NAMES=(a be ce de e ef ge ha i je ka el em en o pe ki er es te u fe we eks ye zet)
i=0
for l in {a..z}; do
  speak "letter-$l" "${LETTER_NAMES[$i]}" "$l"
  i=$((i + 1))
done

DIGITS=(nol satu dua tiga empat lima enam tujuh delapan sembilan)
for d in {0..9}; do
  speak "digit-$d" "${DIGITS[$d]}"
done

COUNTERS=(satu dua tiga empat lima enam tujuh delapan sembilan sepuluh
          sebelas "dua belas" "tiga belas" "empat belas" "lima belas"
          "enam belas" "tujuh belas" "delapan belas" "sembilan belas" "dua puluh")
for n in $(seq 1 20); do
  speak "counter-$n" "${COUNTERS[$((n - 1))]}"
done

# Number words for counters above 20 (loket/display/speech.py NUMBER_WORDS).
for w in sepuluh sebelas belas puluh seratus ratus seribu ribu; do
  speak "word-$w" "$w"
done

speak "nomor-antrean" "Nomor antrean"
# "loket" is lo-két (open e); espeak-ng reads it with a schwa, so give the phonemes.
speak "silakan-menuju-loket" "silakan menuju loket" "silakan menuju [[l'okEt]]"

# Chime: a soft "ding" (E5) then "dong" (C5), each a sine plus a quiet octave
# partial, fading out linearly to silence; the dong starts 0.45 s in.
sox -n -r 44100 -c 1 "$TMP/ding.wav" synth 0.75 sine 659.25 sine 1318.5 remix 1,2v0.25 \
    fade t 0.01 0.75 0.72
sox -n -r 44100 -c 1 "$TMP/dong.wav" synth 0.75 sine 523.25 sine 1046.5 remix 1,2v0.25 \
    fade t 0.01 0.75 0.72 pad 0.45 0
sox -m "$TMP/ding.wav" "$TMP/dong.wav" "$TMP/chime-raw.wav" gain -n -8
sox "$TMP/chime-raw.wav" -c 1 "$TMP/chime.wav" rate -v "$RATE"
sox "$TMP/chime.wav" -C "$QUALITY" "$OUT/chime.ogg"
MANIFEST_ENTRIES+=("$(printf '    "chime": {"file": "chime.ogg", "text": "", "duration_s": %.3f}' \
  "$(soxi -D "$OUT/chime.ogg")")")

{
  echo "{"
  echo '  "lang": "id",'
  echo '  "generator": "scripts/make_voice_clips.sh (espeak-ng + sox)",'
  echo '  "clips": {'
  n=${#MANIFEST_ENTRIES[@]}
  for ((k = 0; k < n; k++)); do
    if ((k < n - 1)); then echo "${MANIFEST_ENTRIES[$k]},"; else echo "${MANIFEST_ENTRIES[$k]}"; fi
  done
  echo "  }"
  echo "}"
} > "$OUT/manifest.json"

total=$(du -cb "$OUT"/* | tail -n1 | cut -f1)
echo "wrote $(ls "$OUT"/*.ogg | wc -l) clips + manifest.json to $OUT ($total bytes)"
