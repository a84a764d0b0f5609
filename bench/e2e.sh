#!/usr/bin/env bash
# End-to-end throughput of `veil deid` against baselines measured in the same run:
#   cp -r, gdcmanon -e (GDCM's PS3.15 basic profile), gdcmanon --dumb.
# Builds the corpora with ../shared/tools/make_corpus.py (ct512 x1000, small x3000), warms the
# page cache, then prints files/s, MB/s, peak RSS and the ratios the targets are stated in.
# usage: bench/e2e.sh [WORKDIR]   (VEIL_BIN, N_CT512, N_SMALL, REPEAT override the defaults;
#        BENCH_OUT=/dev/shm writes the outputs to memory, taking the disk out of the comparison)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
veil=${VEIL_BIN:-$root/build/bin/veil}
work=${1:-/tmp/veil-bench}
make_corpus=$root/../shared/tools/make_corpus.py
[ -f "$make_corpus" ] || { echo "bench: $make_corpus not found (../shared beside the clone)"; exit 2; }
mkdir -p "$work"
declare -A counts=([ct512]=${N_CT512:-1000} [small]=${N_SMALL:-3000})
for kind in ct512 small; do
  if [ ! -d "$work/$kind" ] || [ "$(find "$work/$kind" -name '*.dcm' | wc -l)" -ne "${counts[$kind]}" ]; then
    rm -rf "${work:?}/$kind"
    /usr/bin/python3 "$make_corpus" --out "$work/$kind" --n "${counts[$kind]}" --kind "$kind" --seed 1 >/dev/null
  fi
done
if [ ! -f "$work/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 30 \
    -subj "/CN=veil-bench" >/dev/null 2>&1
fi
printf 'bench-key-0123456789abcdef0123456789\n' > "$work/veil.key"

# Runs a command once to warm caches, then ${REPEAT:-3} times from a synced state, and prints the
# best "seconds peak_rss_kb" (the machine is shared: the fastest run is the least disturbed).
# No tool waits for its writes to reach the disk (veil journals durably in the background and
# does not wait at the end), so these are page-cache rates for every tool alike.
measure() {
  local out=$1; shift
  rm -rf "$out"; mkdir -p "$out"; "$@" >/dev/null 2>&1 || true
  local best="" best_rss=0 t0 t1 secs
  for _ in $(seq "${REPEAT:-3}"); do
    rm -rf "$out"; mkdir -p "$out"
    sync  # earlier runs' dirty pages must not be written back during this one
    t0=$(date +%s.%N)
    /usr/bin/time -o "$out.rss" -f "%M" "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    secs=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc -l)" = 1 ]; then best=$secs; fi
    best_rss=$(( $(tail -n 1 "$out.rss") > best_rss ? $(tail -n 1 "$out.rss") : best_rss ))
  done
  echo "$best $best_rss"
}

outdir=${BENCH_OUT:-$work}
echo "outputs on: $(df --output=fstype "$outdir" | tail -n 1) ($outdir)"
printf '%-8s %-26s %9s %9s %9s %10s\n' corpus tool files/s MB/s RSS_MB "ratio"
for kind in ct512 small; do
  in=$work/$kind
  n=${counts[$kind]}
  mb=$(du -sm "$in" | cut -f1)
  declare -A rate=()
  run() {
    local name=$1; shift
    read -r secs rss < <(measure "$outdir/out-$kind" "$@")
    rate[$name]=$(echo "$n / $secs" | bc -l)
    printf '%-8s %-26s %9.0f %9.1f %9.1f' "$kind" "$name" "${rate[$name]}" "$(echo "$mb / $secs" | bc -l)" \
      "$(echo "$rss / 1024" | bc -l)"
    if [ -n "${rate[cp]:-}" ] && [ "$name" != cp ]; then
      printf ' %5.2fx cp' "$(echo "${rate[$name]} / ${rate[cp]}" | bc -l)"
    fi
    if [ -n "${rate[gdcmanon-e]:-}" ] && [[ "$name" == veil* ]]; then
      printf ' %5.2fx gdcmanon-e' "$(echo "${rate[$name]} / ${rate[gdcmanon-e]}" | bc -l)"
    fi
    printf '\n'
  }
  run cp cp -r "$in/." "$outdir/out-$kind"
  run gdcmanon-e gdcmanon -e -c "$work/cert.pem" -r -i "$in" -o "$outdir/out-$kind" --continue
  run gdcmanon-dumb gdcmanon --dumb --remove 10,10 --remove 10,20 -r -i "$in" -o "$outdir/out-$kind" --continue
  run "veil-basic-1thread" "$veil" deid "$in" -o "$outdir/out-$kind" --key-file "$work/veil.key" --threads 1 -q
  run "veil-basic" "$veil" deid "$in" -o "$outdir/out-$kind" --key-file "$work/veil.key" -q
  rm -rf "${outdir:?}/out-$kind"
  printf '%-8s %-26s %9s %9s %9s %5.2fx 1 thread\n' "$kind" "veil 2 threads / 1 thread" "" "" "" \
    "$(echo "${rate[veil-basic]} / ${rate[veil-basic-1thread]}" | bc -l)"
done
